/**
 * Helpers for the MCP gateway's tests: the demo upstream's test hooks, the operators' pin
 * workflow, and real SDK clients (v1 and v2) whose HTTP goes to the Worker under test.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from '@modelcontextprotocol/client';
import { SELF } from 'cloudflare:test';
import { expect } from 'vitest';
import { gatewayTransport } from '../../../src/client/mcp.js';
import { BASE, call } from '../http.js';
import { token } from '../tokens.js';

export const UPSTREAM = 'http://127.0.0.1:18791';
/** The demo upstream's tools, sorted: what an assistant is shown once they are pinned. */
export const DEMO_TOOLS = ['delete_records', 'echo', 'get_config', 'get_status', 'slow_count'];

/** The Worker's fetch, as the SDK transports take it. */
const workerFetch: typeof fetch = (input, init) => SELF.fetch(input, init);

/** What the demo upstream received, from the start of the test on (see `resetUpstream`). */
export async function received(): Promise<{ method: string; headers: Record<string, string>; body: any }[]> {
  return (await fetch(`${UPSTREAM}/__received`)).json();
}

/** Changes the demo upstream's tools, or resets them (and what it received). */
export async function controlUpstream(change: object): Promise<void> {
  const res = await fetch(`${UPSTREAM}/__control`, { method: 'POST', body: JSON.stringify(change) });
  expect(res.status).toBe(200);
}

/** Reviews the upstream's tools as operator `ops-1` (what `tollgate mcp pins` shows). */
/** An operator token of `tenant` (pins are per tenant). */
const operatorOf = (tenant: string) => token({ sub: 'ops-1', role: 'operator', typ: 'tollgate-operator+jwt', tenant });

export async function review(upstream = 'demo', tenant = 'acme'): Promise<any[]> {
  const res = await call('GET', `/v1/mcp/${upstream}/tools`, { token: await operatorOf(tenant) });
  expect(res.status).toBe(200);
  return res.body.tools;
}

/** Pins the named tools as they are offered now (all of them when none are named). */
export async function approveTools(names?: string[], upstream = 'demo', tenant = 'acme'): Promise<void> {
  const operator = await operatorOf(tenant);
  for (const tool of await review(upstream, tenant)) {
    if (names && !names.includes(tool.name)) continue;
    const res = await call('POST', `/v1/mcp/${upstream}/pins`, {
      token: operator,
      body: { tool: tool.name, hash: tool.hash },
    });
    expect(res.status).toBe(201);
  }
}

/** A v1 SDK client (2025 line: initialize, a session) connected through the gateway with `token`. */
export async function legacyClient(
  token: string,
  capabilities: object = {},
): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  // Pointed at the gateway as tollgate/client's helper does it.
  const { url, options } = gatewayTransport({ baseUrl: BASE, token, upstream: 'demo', fetch: workerFetch });
  const transport = new StreamableHTTPClientTransport(url, options);
  const client = new Client({ name: 'legacy-test-client', version: '1.0.0' }, { capabilities });
  await client.connect(transport);
  return { client, transport };
}

/** A v2 SDK client pinned to protocol 2026-07-28 (stateless, server/discover, MRTR) through the gateway. */
export async function modernClient(
  token: string,
  options: ConstructorParameters<typeof ModernClient>[1] = {},
  upstream = 'demo',
): Promise<ModernClient> {
  const transport = new ModernTransport(new URL(`${BASE}/mcp/${upstream}`), {
    fetch: workerFetch,
    requestInit: { headers: { authorization: `Bearer ${token}` } },
  });
  const client = new ModernClient(
    { name: 'modern-test-client', version: '1.0.0' },
    { versionNegotiation: { mode: { pin: '2026-07-28' } }, ...options },
  );
  await client.connect(transport);
  return client;
}
