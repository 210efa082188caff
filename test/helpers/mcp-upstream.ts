/**
 * The demo MCP upstream `policies/mcp.yaml` declares, as the edge tests' fixture: the real
 * server `npm start` runs (src/cli/demo-mcp-server.ts), on loopback in Node (vitest global
 * setup), with its test hooks on: `GET /__received` says what each request carried, and
 * `POST /__control` changes a tool's description or adds a tool.
 */
import { startDemoMcpServer } from '../../src/cli/demo-mcp-server.js';

export const MCP_PORT = 18791;
/** The secret the gateway injects (the Worker secret DEMO_MCP_TOKEN in vitest.workers.config.mts). */
export const MCP_SECRET = 'demo-mcp-secret';

export default async function startMcpUpstream(): Promise<() => Promise<void>> {
  const server = await startDemoMcpServer({ port: MCP_PORT, token: MCP_SECRET, control: true });
  return () => server.close();
}
