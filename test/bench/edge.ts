/**
 * `npm run bench:edge`: the edge path under `wrangler dev` on loopback. Starts the Worker
 * locally, then drives `/v1/decide` (auth, the agent's Durable Object, state and the
 * audit record, flushed to local R2 and D1 by the objects' alarms meanwhile) and the
 * same Worker's echo route from a separate load-generator process, in the same run.
 * Targets (DESIGN §6): decide ≥ 60% of echo's throughput, and p99 ≤ 2× echo's.
 *
 * The MCP gateway in the same run: a `tools/call` (2026-07-28, stateless) of the demo
 * upstream's `get_status`, sent to the upstream directly and through `/mcp/demo`, under
 * load and one request at a time. The latency the gateway adds (its p50 minus the direct
 * call's, one request at a time) may be at most 1.5× the latency of `/v1/decide` (DESIGN
 * §6); the same ratio under load is printed too, and so is the stricter one against only
 * what decide adds to echo. A call whose result DLP redacts (`get_config`) is timed beside
 * it: the gateway writes its record before it answers, one more round trip to the agent's
 * object.
 *
 * Every route is warmed up before it is measured (the agents' objects created, their state
 * and the policy loaded), so the figures are the steady state's. Under load, the routes
 * compared are measured in alternating rounds (three of 5 s each; one with `--quick`), and
 * each ratio is the median of the rounds' ratios: this machine's speed drifts by a third
 * within minutes, and a ratio of two back-to-back runs of 15 s took that drift for the
 * code's. One request at a time, the routes take turns request by request.
 *
 * wrangler's local trace collector (`X_LOCAL_OBSERVABILITY`, on by default since wrangler
 * 4.1xx) is switched off: it stores a span for every fetch, RPC and query in a SQLite trace
 * store on the Worker's own thread, a cost production never puts on the request path. It
 * halved decide's throughput here. `X_LOCAL_OBSERVABILITY=true npm run bench:edge` measures
 * with it on.
 */
import { spawn } from 'node:child_process';
import { startDemoMcpServer } from '../../dist/cli/demo-mcp-server.js';
import { ensureDevKeys, mintDevToken, readDevVars } from '../../dist/cli/dev-keys.js';
import { pinAllTools } from '../../dist/cli/pin-client.js';
import { applyLocalMigrations, startWranglerDev } from '../../dist/cli/wrangler-dev.js';
import type { SingleRoute } from './edge-load.js';

const port = Number(process.env.PORT ?? 8799);
const base = `http://127.0.0.1:${port}`;
const quick = process.argv.includes('--quick');
const rounds = quick ? 1 : 3;
const seconds = 5;
const connections = 32;

process.env.X_LOCAL_OBSERVABILITY ??= 'false';
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
  return JSON.parse(
    await loadGenerator([
      url.startsWith('http') ? url : `${base}${url}`,
      JSON.stringify(as),
      payload,
      String(secs),
      String(conns),
      JSON.stringify(headers),
    ]),
  );
}

/** Runs the load generator with `args`; resolves with its last line of output. */
async function loadGenerator(args: string[]): Promise<string> {
  const child = spawn('node', ['--import', 'tsx', 'test/bench/edge-load.ts', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const status = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (status !== 0) throw new Error(`load generator failed: ${stderr}`);
  return stdout.trim().split('\n').at(-1)!;
}

/** Routes one request at a time, taking turns, from a separate process (see `edge-load.ts`). */
async function oneAtATime<K extends string>(
  routes: Record<K, SingleRoute>,
  secs: number,
): Promise<Record<K, Measured>> {
  return JSON.parse(await loadGenerator(['--one-at-a-time', JSON.stringify(routes), String(secs)]));
}

console.log(
  `Edge benchmark: wrangler dev on ${base}, autocannon in a separate process, ${connections} connections, ${rounds} alternating round(s) of ${seconds} s per route; wrangler's local trace collector ${process.env.X_LOCAL_OBSERVABILITY === 'false' ? 'off' : 'on'}`,
);
const warmUp = (url: string, as?: string[], payload?: string, headers?: Record<string, string>) =>
  load(url, as, payload, headers, connections, 3);

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Each route's rounds summed up: mean requests/s, median p50 and p99, all requests counted. */
function summary(measured: Measured[]): Measured {
  return {
    rps: measured.reduce((sum, m) => sum + m.rps, 0) / measured.length,
    p50: median(measured.map((m) => m.p50)),
    p99: median(measured.map((m) => m.p99)),
    requests: measured.reduce((sum, m) => sum + m.requests, 0),
    non2xx: measured.reduce((sum, m) => sum + m.non2xx, 0),
  };
}

/** Measures each of `routes` in turn, `rounds` times over; returns each route's rounds. */
async function alternating<K extends string>(
  routes: Record<K, () => Promise<Measured>>,
): Promise<Record<K, Measured[]>> {
  const names = Object.keys(routes) as K[];
  const measured = Object.fromEntries(names.map((n) => [n, [] as Measured[]])) as Record<K, Measured[]>;
  for (let r = 0; r < rounds; r++) for (const name of names) measured[name].push(await routes[name]());
  return measured;
}

const row = (name: string, m: Measured) =>
  console.log(
    `  ${name.padEnd(40)} ${m.rps.toFixed(0).padStart(6)} req/s   p50 ${String(m.p50).padStart(4)} ms   p99 ${String(m.p99).padStart(4)} ms   (${m.non2xx} non-2xx of ${m.requests})`,
  );

await warmUp('/v1/echo');
await warmUp('/v1/decide');
const edge = await alternating({ echo: () => load('/v1/echo'), decide: () => load('/v1/decide') });
const echo = summary(edge.echo);
const decide = summary(edge.decide);
row('POST /v1/echo (baseline)', echo);
row('POST /v1/decide (auth + state + audit)', decide);
const shares = edge.decide.map((d, i) => d.rps / edge.echo[i]!.rps);
const p99Ratios = edge.decide.map((d, i) => d.p99 / Math.max(edge.echo[i]!.p99, 1));
const share = median(shares);
const p99Ratio = median(p99Ratios);
const perRound = (values: number[], format: (v: number) => string) =>
  rounds > 1 ? ` (rounds: ${values.map(format).join(', ')})` : '';
console.log(
  `  throughput: decide is ${(share * 100).toFixed(0)}% of echo${perRound(shares, (v) => `${(v * 100).toFixed(0)}%`)} (target ≥ 60%: ${share >= 0.6 ? 'met' : 'missed'})`,
);
console.log(
  `  p99: decide is ${p99Ratio.toFixed(2)}× echo's${perRound(p99Ratios, (v) => `${v.toFixed(2)}×`)} (target ≤ 2×: ${p99Ratio <= 2 ? 'met' : 'missed'})`,
);

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
/** A 2026-07-28 (stateless) `tools/call` of one of the demo upstream's tools: its body and headers. */
const toolCallOf = (tool: string) => ({
  body: JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'tools/call',
    params: {
      name: tool,
      arguments: {},
      _meta: {
        'io.modelcontextprotocol/protocolVersion': '2026-07-28',
        'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1.0.0' },
        'io.modelcontextprotocol/clientCapabilities': {},
      },
    },
  }),
  headers: {
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': '2026-07-28',
    'mcp-method': 'tools/call',
    'mcp-name': tool,
  },
});
// The ordinary call, whose result DLP passes (the target's); and one whose result DLP
// redacts, which waits for its tool_call record before it answers.
const ordinary = toolCallOf('get_status');
const redacted = toolCallOf('get_config');
/** The text of a tool's result, as the upstream or the gateway answers it. */
async function resultText(url: string, token: string, call: typeof ordinary): Promise<string> {
  const answer = (await (
    await fetch(url, {
      method: 'POST',
      headers: { ...call.headers, 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: call.body,
    })
  ).json()) as { result?: { content?: { text?: string }[] }; error?: { message: string } };
  // A JSON-RPC error is an HTTP 200 too: the bench would time refusals.
  if (!answer.result?.content) throw new Error(`${url} did not answer the tool's result: ${JSON.stringify(answer)}`);
  return answer.result.content.map((c) => c.text ?? '').join('');
}
for (const call of [ordinary, redacted]) {
  const direct = await resultText(upstream.url, secret, call);
  const through = await resultText(`${base}/mcp/demo`, assistants[0]!, call);
  if ((direct === through) !== (call === ordinary))
    throw new Error(`the gateway ${call === ordinary ? 'changed' : 'did not redact'} the result: ${through}`);
}
const toolCall = ordinary.body;
const mcpHeaders = ordinary.headers;
await warmUp(upstream.url, [secret], toolCall, mcpHeaders);
await warmUp('/mcp/demo', assistants, toolCall, mcpHeaders);
const mcp = await alternating({
  direct: () => load(upstream.url, [secret], toolCall, mcpHeaders),
  gateway: () => load('/mcp/demo', assistants, toolCall, mcpHeaders),
});
const direct = summary(mcp.direct);
const gateway = summary(mcp.gateway);
row('tools/call, straight to the upstream', direct);
row('tools/call through /mcp/demo', gateway);
// Latency added, one request at a time (no queueing): what one call pays for each layer.
// The four routes take turns request by request, so drift slows them alike.
const alone = await oneAtATime(
  {
    echo: { url: `${base}/v1/echo`, token: tokens[0]!, body },
    decide: { url: `${base}/v1/decide`, token: tokens[0]!, body },
    direct: { url: upstream.url, token: secret, body: toolCall, headers: mcpHeaders },
    gateway: { url: `${base}/mcp/demo`, token: assistants[0]!, body: toolCall, headers: mcpHeaders },
    directRedacted: { url: upstream.url, token: secret, body: redacted.body, headers: redacted.headers },
    gatewayRedacted: {
      url: `${base}/mcp/demo`,
      token: assistants[1]!,
      body: redacted.body,
      headers: redacted.headers,
    },
  },
  rounds * 8,
);
const added = (over: Measured, under: Measured) => over.p50 - under.p50;
const gatewayAdds = added(alone.gateway, alone.direct);
const addedRatio = gatewayAdds / alone.decide.p50;
const strictRatio = gatewayAdds / Math.max(added(alone.decide, alone.echo), 0.01);
console.log(
  `  one request at a time, p50: echo ${alone.echo.p50} ms, decide ${alone.decide.p50} ms, tools/call direct ${alone.direct.p50} ms, through the gateway ${alone.gateway.p50} ms`,
);
const redactedAdds = added(alone.gatewayRedacted, alone.directRedacted);
console.log(
  `  latency added: the gateway adds ${gatewayAdds.toFixed(2)} ms to the direct call, ${addedRatio.toFixed(2)}× decide's latency (target ≤ 1.5×: ${addedRatio <= 1.5 ? 'met' : 'missed'}); ${strictRatio.toFixed(2)}× the ${added(alone.decide, alone.echo).toFixed(2)} ms decide adds to echo`,
);
console.log(
  `  a result DLP redacts (get_config; its record written before the answer): the gateway adds ${redactedAdds.toFixed(2)} ms to the direct call's ${alone.directRedacted.p50} ms, ${(redactedAdds / alone.decide.p50).toFixed(2)}× decide's latency`,
);
const loadedRatio = added(gateway, direct) / decide.p50;
console.log(
  `  under load (${connections} connections, p50): the gateway adds ${loadedRatio.toFixed(2)}× decide's latency`,
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
