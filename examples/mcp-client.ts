/**
 * Any MCP client behind Tollgate: the official SDK's client pointed at the demo upstream
 * through the gateway with `gatewayTransport`. The gateway serves only the tools this agent
 * may call, decides every call, and redacts secrets from results. Run against `npm start`:
 *
 *   node examples/mcp-client.ts
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { gatewayTransport } from 'tollgate/mcp';
import { devToken } from 'tollgate/dev';
import { runIfMain, type Report } from './setup.ts';

export async function main(): Promise<Report & { tools: string[]; texts: string[] }> {
  const baseUrl = process.env.TOLLGATE_URL ?? 'http://127.0.0.1:8787';
  const agent = `mcp-client-${crypto.randomUUID().slice(0, 8)}`;
  const token = await devToken({ agent, roles: ['assistant'] });
  const report = {
    agent,
    ran: [] as string[],
    refused: [] as string[],
    approved: [],
    tools: [] as string[],
    texts: [] as string[],
  };

  const client = new Client({ name: 'tollgate-example', version: '1.0.0' });
  const { url, options } = gatewayTransport({ baseUrl, token, upstream: 'demo' });
  await client.connect(new StreamableHTTPClientTransport(url, options));
  report.tools = (await client.listTools()).tools.map((t) => t.name).sort();

  for (const [name, args] of [
    ['echo', { text: 'hello through the gateway' }],
    ['get_config', {}], // its answer carries a cloud key: the gateway redacts it
    ['delete_records', { table: 'users' }], // held for a human's approval
  ] as const) {
    const result = await client.callTool({ name, arguments: args });
    const text = (result.content as { type: string; text?: string }[]).map((c) => c.text ?? '').join(' ');
    (result.isError ? report.refused : report.ran).push(name);
    report.texts.push(`${name}: ${text}`);
  }
  await client.close();
  return report;
}

runIfMain(import.meta.url, main);
