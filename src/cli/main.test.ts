import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from './main.js';

/** Runs the CLI in-process and captures what it prints. */
async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a) => void err.push(a.join(' ')));
  const code = await main(argv);
  vi.restoreAllMocks();
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function policyDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-cli-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

afterEach(() => vi.restoreAllMocks());

describe('tollgate CLI', () => {
  it('the demo policies pass check and their own tests', async () => {
    expect((await run('check', 'policies')).code).toBe(0);
    const tested = await run('test', 'policies');
    expect(tested.out).toMatch(/\b\d+ passed, 0 failed/);
    expect(tested.code).toBe(0);
  });

  it('check prints every mistake with its location and exits 1', async () => {
    const dir = policyDir({
      'a.yaml':
        'rules:\n  - id: one\n    effect: alow\n  - id: two\n    effect: allow\n    when: agent.trust > "high"\n',
      'b.yaml': 'rules:\n  - id: one\n    effect: deny\n    actions: ["x***"]\n',
    });
    const { code, out } = await run('check', dir);
    expect(code).toBe(1);
    const lines = out.split('\n').filter((l) => l.startsWith(dir));
    expect(lines).toEqual([
      `${join(dir, 'a.yaml')}:3:13 bad_value rule 'one'.effect must be one of allow, deny, require_approval, not 'alow'`,
      `${join(dir, 'a.yaml')}:6:23 type_error rule 'two'.when: '>' needs two numbers or two strings, not a number and a string`,
      `${join(dir, 'b.yaml')}:2:9 duplicate_rule rule id 'one' is already used at ${join(dir, 'a.yaml')}:2`,
      `${join(dir, 'b.yaml')}:4:15 bad_glob rule 'one'.actions[0]: glob 'x***' has three or more '*' in a row`,
    ]);
    expect(out).toMatch(/4 error\(s\) in 2 file\(s\)/);
  });

  it('a file that is not UTF-8 is an error at the bad byte, reported with the others', async () => {
    const dir = policyDir({ 'b.yaml': 'rules:\n  - id: b\n    effect: nope\n' });
    writeFileSync(
      join(dir, 'a.yaml'),
      Buffer.concat([Buffer.from('rules:\n  - id: a # caf'), Buffer.from([0xe9]), Buffer.from('\n')]),
    );
    const { code, out } = await run('check', dir);
    expect(code).toBe(1);
    expect(out).toContain(`${join(dir, 'a.yaml')}:2:16 bad_encoding file is not valid utf-8`);
    expect(out).toContain(`${join(dir, 'b.yaml')}:3:13 bad_value`);
  });

  it('test fails with a readable diff when a case is wrong', async () => {
    const dir = policyDir({
      'p.yaml': 'rules:\n  - id: read\n    effect: allow\n    actions: ["db.query"]\n',
      'tests/t.yaml':
        'cases:\n  - name: reads are denied (wrong)\n    request: { agent: { id: a }, action: db.query, resource: r }\n    expect: { decision: deny, rule: nope }\n',
    });
    const { code, out } = await run('test', dir);
    expect(code).toBe(1);
    expect(out).toContain('✗ reads are denied (wrong)');
    expect(out).toContain('decision: expected "deny", got "allow"');
    expect(out).toContain(`rule: expected 'nope' among ["read"]`);
    expect(out).toMatch(/0 passed, 1 failed/);
  });

  it("test explains a failure with the decision's reasons and condition errors", async () => {
    const dir = policyDir({
      'p.yaml':
        'rules:\n  - id: pay\n    effect: allow\n    actions: ["pay"]\n  - id: big-payments\n    effect: deny\n    actions: ["pay"]\n    when: context.amount_usd > 10000\n',
      'tests/t.yaml':
        'cases:\n  - name: a big payment is allowed (wrong)\n    request: { agent: { id: a }, action: pay, resource: r, context: { amount_usd: "25002" } }\n    expect: { decision: allow }\n',
    });
    const { code, out } = await run('test', dir);
    expect(code).toBe(1);
    expect(out).toContain('decision: expected "allow", got "deny"');
    expect(out).toContain(
      "reason: big-payments (deny): rule 'big-payments' denies this request (its condition failed to evaluate, so the rule applies: fail closed)",
    );
    expect(out).toContain("error: rule 'big-payments' type_error: type error in '>'");
  });

  it('check --json and test --json print machine-readable results', async () => {
    const bad = policyDir({ 'a.yaml': 'rulez: []\n' });
    const checked = await run('check', bad, '--json');
    expect(checked.code).toBe(1);
    expect(JSON.parse(checked.out)).toEqual({
      ok: false,
      errors: [
        {
          file: join(bad, 'a.yaml'),
          line: 1,
          col: 1,
          code: 'unknown_key',
          message: "unknown key 'rulez' in the top level. Did you mean 'rules'?",
        },
      ],
      warnings: [],
    });
    const good = await run('check', 'policies', '--json');
    expect(JSON.parse(good.out)).toMatchObject({ ok: true, errors: [], warnings: [] });

    const dir = policyDir({
      'p.yaml': 'rules:\n  - id: read\n    effect: allow\n',
      'tests/t.yaml':
        'cases:\n  - name: reads\n    request: { agent: { id: a }, action: db.query, resource: r }\n    expect: { decision: allow }\n  - name: wrong\n    request: { agent: { id: a }, action: x, resource: r }\n    expect: { decision: deny }\n',
    });
    const tested = await run('test', dir, '--json');
    expect(tested.code).toBe(1);
    const report = JSON.parse(tested.out);
    expect(report).toMatchObject({ passed: 1, failed: 1 });
    expect(report.cases[1]).toMatchObject({
      name: 'wrong',
      ok: false,
      diffs: ['decision: expected "deny", got "allow"'],
      decision: { decision: 'allow', code: 'rule', errors: [] },
    });
  });

  it('build writes the bundle and prints its hash and size', async () => {
    const dir = policyDir({ 'p.yaml': 'rules:\n  - id: a\n    effect: allow\n' });
    const { code, out } = await run('build', dir, '-o', join(dir, 'out.bundle'));
    expect(code).toBe(0);
    expect(out).toMatch(/hash +sha256:[0-9a-f]{64}/);
    expect(out).toMatch(/size +\d+ bytes/);
    expect(out).toMatch(/version +\d+/);
  });

  it('token mints agent and operator tokens and prints the token alone on its last line', async () => {
    const { decodeJwt, decodeProtectedHeader } = await import('jose');
    // In a folder of its own: the command makes dev keys there, and never races other tests for the repo's.
    const cwd = mkdtempSync(join(tmpdir(), 'tollgate-token-'));
    const bin = join(process.cwd(), 'src', 'cli', 'bin.mjs');
    const token = (...args: string[]) => spawnSync('node', [bin, 'token', ...args], { cwd, encoding: 'utf8' });
    const agent = token('--agent', 'a1', '--tenant', 'acme', '--roles', 'analyst,sre', '--ttl', '10m');
    expect(agent.status).toBe(0);
    expect(agent.stderr).toMatch(/created dev keys/);
    const jwt = agent.stdout.trim().split('\n').at(-1)!;
    expect(decodeProtectedHeader(jwt)).toMatchObject({ alg: 'EdDSA', typ: 'tollgate-agent+jwt' });
    const claims = decodeJwt(jwt);
    expect(claims).toMatchObject({
      sub: 'a1',
      tenant: 'acme',
      roles: ['analyst', 'sre'],
      iss: 'tollgate-dev',
      aud: 'tollgate',
    });
    expect(claims.exp! - claims.iat!).toBe(600);
    expect(readFileSync(join(cwd, '.dev.vars'), 'utf8')).toContain('AUTH_JWKS=');
    const op = token('--agent', 'ops', '--operator');
    expect(decodeJwt(op.stdout.trim().split('\n').at(-1)!)).toMatchObject({ sub: 'ops', role: 'operator' });
    expect(token().status).toBe(2);
    expect(token('--agent', 'x', '--ttl', 'forever').status).toBe(2);
    expect(token('--agent', 'x', '--operator', '--roles', 'viewer').status).toBe(2);
  });

  it('every command has --help; bad usage exits 2', async () => {
    for (const cmd of ['check', 'build', 'test', 'token', 'dev', 'audit', 'mcp']) {
      const { code, out } = await run(cmd, '--help');
      expect(code).toBe(0);
      expect(out).toMatch(new RegExp(`^Usage: tollgate ${cmd}`));
      expect(code).toBe(0);
    }
    expect((await run('--help')).code).toBe(0);
    expect((await run()).code).toBe(2);
    expect((await run('frobnicate')).code).toBe(2);
    expect((await run('check', 'a', 'b')).code).toBe(2);
    expect((await run('build', '--bogus')).code).toBe(2);
    expect((await run('check', '/nonexistent/dir')).err).toMatch(/does not exist/);
    expect((await run('mcp', 'frobnicate')).code).toBe(2);
    expect((await run('mcp', 'pins')).err).toMatch(/name the upstream/);
  });

  it('says its version', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    for (const flag of ['--version', '-v'])
      expect(await run(flag)).toMatchObject({ code: 0, out: `tollgate ${version}` });
  });

  it('init scaffolds a project whose policies pass check and their tests, and never overwrites', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-init-'));
    const made = await run('init', dir);
    expect(made.code, made.err).toBe(0);
    for (const file of ['.gitignore', 'policies/agents.yaml', 'policies/tests/agents.yaml', 'wrangler.toml'])
      expect(made.out).toContain(join(dir, file));
    expect(readFileSync(join(dir, 'wrangler.toml'), 'utf8')).toContain(
      'main = "node_modules/tollgate/dist/worker/index.js"',
    );
    expect((await run('check', join(dir, 'policies'))).code).toBe(0);
    const tested = await run('test', join(dir, 'policies'));
    expect(tested.code, tested.out + tested.err).toBe(0);
    expect(tested.out).toMatch(/4 passed, 0 failed/);
    writeFileSync(join(dir, 'policies/agents.yaml'), 'rules: []\n');
    const again = await run('init', dir);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/already exist/);
    expect(readFileSync(join(dir, 'policies/agents.yaml'), 'utf8')).toBe('rules: []\n');
  });
});
