/**
 * The local edge runtime as a user meets it: `npm start` serves the API and its printed
 * curl example and MCP client configuration work; `wrangler deploy --dry-run` builds; a broken policy fails the build.
 * `npm test` runs test/local on its own, one file at a time, after the other Node suites: its 1,000 concurrent
 * redemptions measure the edge, not the CPU the other suites take from it.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, describe, expect, it } from 'vitest';
import { startLocalEdge, type LocalEdge } from '../helpers/local-edge.js';

const edges: LocalEdge[] = [];
afterAll(() => edges.forEach((e) => e.stop()));

describe('npm start', () => {
  it('serves the API and prints tokens and a curl example that works as printed', async () => {
    const port = 18000 + Math.floor(Math.random() * 1000);
    const edge = await startLocalEdge(port);
    edges.push(edge);
    const out = edge.output();
    expect(out).toContain(`Tollgate is running at http://127.0.0.1:${port}`);
    const curl =
      /curl -s (\S+) \\\n\s+-H "(authorization: Bearer [^"]+)" \\\n\s+-H "(content-type: [^"]+)" \\\n\s+-d '([^']+)'/.exec(
        out,
      );
    expect(curl, out).not.toBeNull();
    const [, url, auth, type, data] = curl!;
    // The example, run exactly as printed.
    const result = spawnSync('curl', ['-s', url, '-H', auth, '-H', type, '-d', data], { encoding: 'utf8' });
    const allowed = JSON.parse(result.stdout);
    expect(allowed).toMatchObject({
      decision: 'allow',
      code: 'rule',
      reasons: [{ rule: 'llm-chat' }],
      ticket: expect.any(String),
    });
    // 1,000 concurrent redemptions of that ticket over real HTTP: exactly one succeeds.
    const minted = spawnSync(
      'node',
      ['src/cli/bin.mjs', 'token', '--agent', 'runner-1', '--tenant', 'demo', '--roles', 'executor'],
      { encoding: 'utf8' },
    );
    const executor = minted.stdout.trim().split('\n').at(-1)!;
    const { action, resource, params } = JSON.parse(data);
    // wrangler's dev proxy (not the Worker) answers 503 "Your worker restarted mid-request",
    // or drops the socket, for POSTs in flight when it swaps its connection to the runtime,
    // which it does now and then under a thousand concurrent requests here. It tells the
    // client to send such a request again, so this client does; the Worker must still let
    // exactly one redemption through, across every attempt.
    const redeemOnce = () =>
      fetch(`http://127.0.0.1:${port}/v1/tickets/redeem`, {
        method: 'POST',
        headers: { authorization: `Bearer ${executor}`, 'content-type': 'application/json' },
        body: JSON.stringify({ ticket: allowed.ticket, action, resource, params }),
      }).then(
        async (r) => (r.status === 503 && (await r.text()).includes('restarted mid-request') ? 'retry' : r.status),
        () => 'retry' as const,
      );
    let resent = 0;
    const redeem = async (): Promise<number> => {
      for (let attempt = 0; attempt < 5; attempt++) {
        const status = await redeemOnce();
        if (status !== 'retry') return status;
        resent++;
        await new Promise((r) => setTimeout(r, 200));
      }
      return 503;
    };
    const statuses = await Promise.all(Array.from({ length: 1000 }, redeem));
    // How often the dev proxy dropped a request shows in the test's output.
    console.info(`1,000 concurrent redemptions: ${resent} resent after the dev proxy dropped them`);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(
      statuses.filter((s) => s === 409),
      JSON.stringify(statuses.filter((s) => s !== 409 && s !== 200)),
    ).toHaveLength(999);
    const operator = /Operator token[^\n]*\n\s+(\S+)/.exec(out)![1];
    const view = await fetch(`http://127.0.0.1:${port}/v1/agents/helper-1`, {
      headers: { authorization: `Bearer ${operator}` },
    });
    expect(await view.json()).toMatchObject({ agent: { id: 'helper-1' }, suspended: false });
    // The decision is on the audit at once; within seconds it is flushed to the local R2 and D1
    // (whose migrations npm start applied), and the CLI verifies it from the edge.
    const base = `http://127.0.0.1:${port}`;
    const headers = { authorization: `Bearer ${operator}` };
    const search = await (await fetch(`${base}/v1/audit?agent=helper-1&kind=decision&limit=1`, { headers })).json();
    expect(search.records[0].record).toMatchObject({ agent: 'helper-1', action: 'llm.chat', decision: 'allow' });
    let verdict: { ok: boolean; pending: number } = { ok: false, pending: -1 };
    for (
      const until = Date.now() + 30_000;
      Date.now() < until && verdict.pending !== 0;
      await new Promise((r) => setTimeout(r, 1000))
    ) {
      verdict = await (await fetch(`${base}/v1/audit/verify?agent=helper-1`, { headers })).json();
    }
    expect(verdict).toMatchObject({ ok: true, pending: 0 });
    const cli = spawnSync(
      'node',
      ['src/cli/bin.mjs', 'audit', 'verify', base, '--agent', 'helper-1', '--token', operator],
      { encoding: 'utf8' },
    );
    expect(cli.status, cli.stdout + cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(/^ok: [\d,]+ records in \d+ segments, head seq \d+ [0-9a-f]{64}/);

    // The MCP client configuration it printed, pasted into a real client, reaches the demo upstream's tools.
    const config = JSON.parse(/\n\s+(\{"mcpServers".*\})\n/.exec(out)![1]).mcpServers['tollgate-demo'];
    const mcp = new Client({ name: 'pasted-config', version: '1.0.0' });
    await mcp.connect(
      new StreamableHTTPClientTransport(new URL(config.url), { requestInit: { headers: config.headers } }),
    );
    expect((await mcp.listTools()).tools.map((t) => t.name).sort()).toEqual([
      'delete_records',
      'echo',
      'get_config',
      'get_status',
      'slow_count',
    ]);
    expect((await mcp.callTool({ name: 'echo', arguments: { text: 'pasted' } })).content).toEqual([
      { type: 'text', text: 'pasted' },
    ]);
    await mcp.close();
    // And the pin workflow's CLI sees the tools npm start pinned.
    const pins = spawnSync('node', ['src/cli/bin.mjs', 'mcp', 'pins', 'demo', '--url', base], { encoding: 'utf8' });
    expect(pins.status, pins.stdout + pins.stderr).toBe(0);
    expect(pins.stdout).toMatch(/5 of 5 tools pinned/);
    const exited = new Promise((resolve) => edge.child.on('exit', resolve));
    edge.stop();
    await exited;
    // Nothing it started is left listening.
    await new Promise((r) => setTimeout(r, 500));
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  }, 180_000);
});

describe('deploying', () => {
  it('wrangler deploy --dry-run builds the Worker with the current policies and reports its size', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'tollgate-deploy-'));
    const r = spawnSync('npx', ['wrangler', 'deploy', '--dry-run', '--outdir', outdir], { encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/Total Upload: [\d.]+ KiB/);
    expect(r.stdout + r.stderr).toContain('[custom build] build/policies.bundle');
    rmSync(outdir, { recursive: true, force: true });
  }, 120_000);

  it('a policy that fails tollgate check fails the wrangler build, with its errors printed', () => {
    const copy = mkdtempSync(join(tmpdir(), 'tollgate-broken-'));
    for (const entry of ['wrangler.toml', 'dist', 'build', 'policies', 'package.json', 'src', 'tsconfig.json'])
      cpSync(entry, join(copy, entry), { recursive: true });
    symlinkSync(join(process.cwd(), 'node_modules'), join(copy, 'node_modules'));
    writeFileSync(join(copy, 'policies', 'broken.yaml'), 'rules:\n  - id: broken\n    effect: maybe\n');
    const r = spawnSync('npx', ['wrangler', 'deploy', '--dry-run', '--outdir', join(copy, 'out')], {
      cwd: copy,
      encoding: 'utf8',
    });
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toContain(
      "policies/broken.yaml:3:13 bad_value rule 'broken'.effect must be one of allow, deny, require_approval, not 'maybe'",
    );
    rmSync(copy, { recursive: true, force: true });
  }, 120_000);
});
