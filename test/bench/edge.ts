/**
 * `npm run bench:edge`: the edge path under `wrangler dev` on loopback. Starts the Worker
 * locally, then drives `/v1/decide` (auth, the agent's Durable Object, state and the
 * audit record, flushed to local R2 and D1 by the objects' alarms meanwhile) and the
 * same Worker's echo route from a separate load-generator process, in the same run.
 * Targets (DESIGN §6): decide ≥ 60% of echo's throughput, and p99 ≤ 2× echo's.
 */
import { spawnSync } from 'node:child_process';
import { ensureDevKeys, mintDevToken } from '../../dist/cli/dev-keys.js';
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

function load(path: string): { rps: number; p50: number; p99: number; requests: number; non2xx: number } {
  const r = spawnSync(
    'node',
    [
      '--import',
      'tsx',
      'test/bench/edge-load.ts',
      `${base}${path}`,
      JSON.stringify(tokens),
      body,
      String(seconds),
      String(connections),
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`load generator failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!);
}

console.log(
  `Edge benchmark: wrangler dev on ${base}, autocannon in a separate process, ${connections} connections, ${seconds} s each`,
);
load('/v1/echo'); // warm-up
const echo = load('/v1/echo');
const decide = load('/v1/decide');
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
// The audit kept up: every decision of one agent is on its chain, which verifies (R2, D1 and the pending tail).
const operator = await mintDevToken(key, {
  agent: 'bench-ops',
  tenant: 'bench',
  roles: ['operator'],
  operator: true,
  ttlSeconds: 3600,
});
const verdict = (await (
  await fetch(`${base}/v1/audit/verify?agent=bench-0`, { headers: { authorization: `Bearer ${operator}` } })
).json()) as { ok: boolean; records?: number; segments?: number; pending?: number; reason?: string };
console.log(
  verdict.ok
    ? `  audit of bench-0: ${verdict.records} records, ${verdict.segments} segments in R2, ${verdict.pending} still pending; verify ok`
    : `  audit of bench-0: verify FAILED: ${verdict.reason}`,
);
wrangler.stop();
process.exit(0);
