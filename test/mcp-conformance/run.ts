/**
 * `npm run conformance:mcp`: the official MCP conformance suite's server scenarios
 * (`@modelcontextprotocol/conformance`), run against the conformance upstream directly and
 * through the gateway (`/mcp/conformance` on the local edge, `tollgate dev`), where the
 * policy allows agents with role `conformance` every tool of it. Every scenario that passes
 * directly must pass through the gateway; the script prints both results side by side and
 * exits 1 if one does not.
 *
 * The suite's client takes only a URL, so a loopback forwarder adds the agent's bearer
 * token, as any MCP client configured with a token would. An operator pins the upstream's
 * tools first, as the pin workflow asks.
 *
 *   node --import tsx test/mcp-conformance/run.ts [--scenario a,b] [--json file]
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureDevKeys, mintDevToken } from '../../src/cli/dev-keys.js';
import { pinAllTools } from '../../src/cli/pin-client.js';
import { startConformanceUpstream } from './upstream.js';
import { startLocalEdge } from '../helpers/local-edge.js';

const UPSTREAM_PORT = 18792;
const FORWARDER_PORT = 18793;

export interface ScenarioResults {
  scenarios: string[];
  direct: Record<string, boolean>;
  gateway: Record<string, boolean>;
}

/** Runs the suite's server scenarios against `url`; whether each passed (no check failed). */
async function runSuite(url: string, scenarios: string[] | null): Promise<Record<string, boolean>> {
  const out = mkdtempSync(join(tmpdir(), 'mcp-conformance-'));
  const cli = createRequire(import.meta.url).resolve('@modelcontextprotocol/conformance/dist/index.js');
  for (const scenario of scenarios === null ? [null] : scenarios) {
    const args = [cli, 'server', '--url', url, '-o', out, ...(scenario ? ['--scenario', scenario] : [])];
    // The suite needs Node 22 (fs.globSync): the project's own node (npm's node@22) runs it. Not
    // spawnSync: the upstream answering it runs in this process.
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    const timer = setTimeout(() => child.kill(), 300_000);
    await new Promise((resolve) => child.on('exit', resolve));
    clearTimeout(timer);
  }
  const passed: Record<string, boolean> = {};
  for (const dir of readdirSync(out)) {
    const checks = join(out, dir, 'checks.json');
    if (!existsSync(checks)) continue;
    const name = dir.replace(/^server-/, '').replace(/-\d{4}-\d\d-\d\dT.*$/, '');
    const results = JSON.parse(readFileSync(checks, 'utf8')) as { status: string }[];
    passed[name] = results.length > 0 && results.every((r) => r.status !== 'FAILURE');
  }
  return passed;
}

/** Forwards every request to `target`, adding the agent's token: what a client configured with one sends. */
async function startForwarder(target: string, token: string) {
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers))
      if (typeof value === 'string' && !['host', 'connection', 'content-length'].includes(name))
        headers.set(name, value);
    headers.set('authorization', `Bearer ${token}`);
    try {
      const answer = await fetch(target, {
        method: req.method,
        headers,
        body: ['GET', 'HEAD', 'DELETE'].includes(req.method ?? '') ? undefined : Buffer.concat(chunks),
      });
      const out: Record<string, string> = {};
      answer.headers.forEach((v, k) => (out[k] = v));
      res.writeHead(answer.status, out);
      if (answer.body) for await (const chunk of answer.body) res.write(chunk);
      res.end();
    } catch (err) {
      if (!res.headersSent) res.writeHead(502);
      res.end(String(err));
    }
  });
  await new Promise<void>((resolve) => server.listen(FORWARDER_PORT, '127.0.0.1', resolve));
  return server;
}

/** Runs the scenarios (all active ones when null) directly and through the gateway. */
export async function runConformance(scenarios: string[] | null, edgePort = 18900): Promise<ScenarioResults> {
  const upstream = await startConformanceUpstream(UPSTREAM_PORT);
  let stopEdge: (() => void) | null = null;
  let forwarder: Awaited<ReturnType<typeof startForwarder>> | null = null;
  try {
    const direct = await runSuite(upstream.url, scenarios);
    stopEdge = (await startLocalEdge(edgePort)).stop;
    const base = `http://127.0.0.1:${edgePort}`;
    const { key } = await ensureDevKeys();
    const day = 24 * 3600;
    const operator = await mintDevToken(key, {
      agent: 'ops-conformance',
      tenant: 'demo',
      roles: ['operator'],
      operator: true,
      ttlSeconds: day,
    });
    const agent = await mintDevToken(key, {
      agent: 'conformance-client',
      tenant: 'demo',
      roles: ['conformance'],
      operator: false,
      ttlSeconds: day,
    });
    await pinAllTools(base, operator, 'conformance'); // as an operator reviewing them would
    forwarder = await startForwarder(`${base}/mcp/conformance`, agent);
    const gateway = await runSuite(`http://127.0.0.1:${FORWARDER_PORT}/mcp`, scenarios);
    const names = [...new Set([...Object.keys(direct), ...Object.keys(gateway)])].sort();
    return { scenarios: names, direct, gateway };
  } finally {
    forwarder?.close();
    stopEdge?.();
    await upstream.close();
  }
}

/** The two results side by side, and the scenarios that pass directly but not through the gateway. */
export function report(results: ScenarioResults): { text: string; regressions: string[] } {
  const mark = (ok: boolean | undefined) => (ok === undefined ? '-' : ok ? 'pass' : 'FAIL');
  const width = Math.max(...results.scenarios.map((s) => s.length), 8);
  const lines = [`${'scenario'.padEnd(width)}  direct  gateway`];
  for (const s of results.scenarios)
    lines.push(`${s.padEnd(width)}  ${mark(results.direct[s]).padEnd(6)}  ${mark(results.gateway[s])}`);
  const regressions = results.scenarios.filter((s) => results.direct[s] && !results.gateway[s]);
  const count = (r: Record<string, boolean>) => Object.values(r).filter(Boolean).length;
  lines.push(
    '',
    `${count(results.direct)}/${results.scenarios.length} pass directly, ${count(results.gateway)}/${results.scenarios.length} through the gateway` +
      (regressions.length ? `; passing directly but not through the gateway: ${regressions.join(', ')}` : ''),
  );
  return { text: lines.join('\n'), regressions };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { scenario: { type: 'string' }, json: { type: 'string' } } });
  const results = await runConformance(values.scenario ? values.scenario.split(',') : null);
  const { text, regressions } = report(results);
  console.log(text);
  if (values.json) writeFileSync(values.json, JSON.stringify(results, null, 2));
  process.exit(regressions.length > 0 || results.scenarios.length === 0 ? 1 : 0);
}
