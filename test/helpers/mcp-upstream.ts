/**
 * The demo MCP upstream `policies/mcp.yaml` declares, as the edge tests' fixture: the real
 * server `npm start` runs (src/cli/demo-mcp-server.ts), on loopback in Node (vitest global
 * setup), with its test hooks on: `GET /__received` says what each request carried, and
 * `POST /__control` changes a tool's description or adds a tool.
 */
import { startDemoMcpServer } from '../../src/cli/demo-mcp-server.js';
import { MCP_PORT, MCP_SECRET } from './mcp-fixture.js';

export default async function startMcpUpstream(): Promise<() => Promise<void>> {
  const server = await startDemoMcpServer({ port: MCP_PORT, token: MCP_SECRET, control: true });
  return () => server.close();
}
