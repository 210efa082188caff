/**
 * `npm run bench:edge`: the edge path under `wrangler dev` on loopback. Starts the Worker
 * locally, then drives `/v1/decide` (auth, the agent's Durable Object, state and the
 * audit record, flushed to local R2 and D1 by the objects' alarms meanwhile) and the
 * same Worker's echo route from a separate load-generator process, in the same run.
 * Targets (DESIGN §6): decide ≥ 60% of echo's throughput, and p99 ≤ 2× echo's.
 *
 * The MCP gateway in the same run: a `tools/call` (2026-07-28, stateless) of the demo
 * upstream's `get_config`, sent to the upstream directly and through `/mcp/demo`, under
 * load and one request at a time. The latency the gateway adds (its p50 minus the direct
 * call's, one request at a time) may be at most 1.5× the latency decide adds to echo
 * (DESIGN §6); the same ratio under load is printed too.
 */
import { spawn } from 'node:child_process';
import { startDemoMcpServer } from '../../dist/cli/demo-mcp-server.js';
import { ensureDevKeys, mintDevToken, readDevVars } from '../../dist/cli/dev-keys.js';
import { pinAllTools } from '../../dist/cli/pin-client.js';
import { applyLocalMigrations, startWranglerDev } from '../../dist/cli/wrangler-dev.js';

const port = Number(process.env.PORT ?? 8799);
const base = `http://127.0.0.1:${port}`;
const seconds = process.argv.includes('--quick') ? 5 : 15;
const connections = 32;

const { key } = await ensureDevKeys();
if (!applyLocalMigrations().ok) throw new Error('applying the D1 migrations failed');
const wrangler = startWranglerDev(
  port,
  ['--var', 'ECHO_ROUTE:on', ...(process.env.NO_TICKETS ? ['--var', 'TICKET_SIGNING_JWK:'] : [])],
  'ignore',
);
process.on('exit', wrangler.stop);

async function up(): Promise<boolean> {
  for (let i = 0; i < 400; i++) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) return true;
    } catch {
      // starting
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  return false;
}
if (!(await up())) throw new Error(`wrangler dev did not come up on ${base}`);

// One agent per connection, so that load spreads over Durable Objects as real agents would.
const tokens = await Promise.all(
  Array.from({ length: connections }, (_, i) =>
    mintDevToken(key, { agent: `bench-${i}`, tenant: 'bench', roles: ['analyst'], operator: false, ttlSeconds: 3600 }),
  ),
);
const body = JSON.stringify({
  action: 'github.get_issue',
  resource: 'github:acme/api',
  context: { hour: 10, region: 'eu-west-1', session: 's-1' },
});

type Measured = { rps: number; p50: number; p99: number; requests: number; non2xx: number };

/**
 * Load on `url` from a separate process: one token per connection, the route's own headers.
 * Awaited, not spawnSync: the demo MCP upstream answering it runs in this process.
 */
async function load(
  url: string,
  as: string[] = tokens,
  payload = body,
  headers: Record<string, string> = {},
  conns = connections,
  secs = seconds,
): Promise<Measured> {
  const child = spawn(
    'node',
    [
      '--import',
      'tsx',
      'test/bench/edge-load.ts',
      url.startsWith('http') ? url : `${base}${url}`,
      JSON.stringify(as),
      payload,
      String(secs),
      String(conns),
      JSON.stringify(headers),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const status = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (status !== 0) throw new Error(`load generator failed: ${stderr}`);
  return JSON.parse(stdout.trim().split('\n').at(-1)!);
}

console.log(
  `Edge benchmark: wrangler dev on ${base}, autocannon in a separate process, ${connections} connections, ${seconds} s each`,
);
await load('/v1/echo'); // warm-up
const echo = await load('/v1/echo');
const decide = await load('/v1/decide');
const row = (name: string, m: typeof echo) =>
  console.log(
    `  ${name.padEnd(34)} ${m.rps.toFixed(0).padStart(8)} req/s   p50 ${String(m.p50).padStart(4)} ms   p99 ${String(m.p99).padStart(4)} ms   (${m.non2xx} non-2xx of ${m.requests})`,
  );
row('POST /v1/echo (baseline)', echo);
row('POST /v1/decide (auth + state + audit)', decide);
const share = decide.rps / echo.rps;
const p99Ratio = decide.p99 / Math.max(echo.p99, 1);
console.log(
  `  throughput: decide is ${(share * 100).toFixed(0)}% of echo (target ≥ 60%: ${share >= 0.6 ? 'met' : 'missed'})`,
);
console.log(`  p99: decide is ${p99Ratio.toFixed(2)}× echo's (target ≤ 2×: ${p99Ratio <= 2 ? 'met' : 'missed'})`);

// The MCP gateway: the same tools/call, straight to the demo upstream and through /mcp/demo.
const secret = readDevVars().DEMO_MCP_TOKEN;
const upstream = await startDemoMcpServer({ port: 18791, token: secret });
const operatorToken = await mintDevToken(key, {
  agent: 'bench-ops',
  tenant: 'bench',
  roles: ['operator'],
  operator: true,
  ttlSeconds: 3600,
});
await pinAllTools(base, operatorToken, 'demo');
const assistants = await Promise.all(
  Array.from({ length: connections }, (_, i) =>
    mintDevToken(key, {
      agent: `bench-mcp-${i}`,
      tenant: 'bench',
      roles: ['assistant'],
      operator: false,
      ttlSeconds: 3600,
    }),
  ),
);
const toolCall = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: {
    name: 'get_config',
    arguments: {},
    _meta: {
      'io.modelcontextprotocol/protocolVersion': '2026-07-28',
      'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1.0.0' },
      'io.modelcontextprotocol/clientCapabilities': {},
    },
  },
});
const mcpHeaders = {
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': '2026-07-28',
  'mcp-method': 'tools/call',
  'mcp-name': 'get_config',
};
// A JSON-RPC error is an HTTP 200 too: check once that both answer the tool's result.
for (const [url, token] of [
  [upstream.url, secret],
  [`${base}/mcp/demo`, assistants[0]],
]) {
  const answer = (await (
    await fetch(url, {
      method: 'POST',
      headers: { ...mcpHeaders, 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: toolCall,
    })
  ).json()) as { result?: { content?: unknown[] }; error?: { message: string } };
  if (!answer.result?.content) throw new Error(`${url} did not answer the tool's result: ${JSON.stringify(answer)}`);
}
await load(upstream.url, [secret], toolCall, mcpHeaders); // warm-up
const direct = await load(upstream.url, [secret], toolCall, mcpHeaders);
const gateway = await load('/mcp/demo', assistants, toolCall, mcpHeaders);
row('tools/call, straight to the upstream', direct);
row('tools/call through /mcp/demo', gateway);
// Latency added, one request at a time (no queueing): what one call pays for each layer.
const single = async (url: string, as: string[], payload: string, headers: Record<string, string> = {}) =>
  load(url, as, payload, headers, 1, Math.max(3, Math.round(seconds / 3)));
const alone = {
  echo: await single('/v1/echo', tokens, body),
  decide: await single('/v1/decide', tokens, body),
  direct: await single(upstream.url, [secret], toolCall, mcpHeaders),
  gateway: await single('/mcp/demo', assistants, toolCall, mcpHeaders),
};
const added = (over: Measured, under: Measured) => over.p50 - under.p50;
const decideAdds = Math.max(added(alone.decide, alone.echo), 0.01);
const gatewayAdds = added(alone.gateway, alone.direct);
const addedRatio = gatewayAdds / decideAdds;
console.log(
  `  one request at a time, p50: echo ${alone.echo.p50} ms, decide ${alone.decide.p50} ms, tools/call direct ${alone.direct.p50} ms, through the gateway ${alone.gateway.p50} ms`,
);
console.log(
  `  latency added: decide adds ${decideAdds.toFixed(2)} ms to echo; the gateway adds ${gatewayAdds.toFixed(2)} ms to the direct call, ${addedRatio.toFixed(2)}× decide's (target ≤ 1.5×: ${addedRatio <= 1.5 ? 'met' : 'missed'})`,
);
const loadedRatio = added(gateway, direct) / Math.max(added(decide, echo), 0.01);
console.log(
  `  under load (${connections} connections, p50): the gateway adds ${loadedRatio.toFixed(2)}× what decide adds`,
);
await upstream.close();

// The audit kept up: every decision of one agent is on its chain, which verifies (R2, D1 and the pending tail).
const verdict = (await (
  await fetch(`${base}/v1/audit/verify?agent=bench-0`, { headers: { authorization: `Bearer ${operatorToken}` } })
).json()) as { ok: boolean; records?: number; segments?: number; pending?: number; reason?: string };
console.log(
  verdict.ok
    ? `  audit of bench-0: ${verdict.records} records, ${verdict.segments} segments in R2, ${verdict.pending} still pending; verify ok`
    : `  audit of bench-0: verify FAILED: ${verdict.reason}`,
);
wrangler.stop();
process.exit(0);
