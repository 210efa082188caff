/**
 * The docs' code that runs, run as a new user would: the embed reference's Node quick start
 * with node (its browser one runs in Chromium, in test/browser) and its store. The README's
 * client quick start needs a running edge: test/local/adapters.test.ts runs it.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { expect, it } from 'vitest';

const embedDoc = readFileSync('docs/embed.md', 'utf8');

/** The first fenced block of `lang` after `marker` in `doc` (the embed reference by default). */
export function snippet(marker: string, lang: string, doc = embedDoc): string {
  const from = doc.indexOf(marker);
  expect(from, marker).toBeGreaterThanOrEqual(0);
  const open = doc.indexOf(`\`\`\`${lang}\n`, from);
  return doc.slice(open + lang.length + 4, doc.indexOf('\n```', open));
}

it("the embed reference's Node quick start runs as printed, in at most 10 lines", () => {
  const code = snippet('**Node** (`quickstart.mjs`', 'js');
  expect(code.split('\n').length).toBeLessThanOrEqual(10);
  writeFileSync('quickstart.mjs', code);
  try {
    const r = spawnSync('node', ['quickstart.mjs'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^allow Assistants may call models within their daily budgets/);
    expect(r.stdout).toContain("rule: 'llm-chat'");
  } finally {
    rmSync('quickstart.mjs');
  }
});

it("the embed reference's FileStore keeps an agent's state, open decisions and replies across engines", () => {
  const store = snippet('**Writing a store.**', 'ts', embedDoc).replace(
    "// const engine = await createEngine({ bundle, store: new FileStore('.tollgate-state') });",
    '',
  );
  const dir = 'test-output/file-store';
  rmSync(dir, { recursive: true, force: true });
  const usage = `
import { compilePolicies, createEngine } from 'tollgate/embed';
const bundle = compilePolicies({ 'p.yaml': 'rules:\\n  - id: spend\\n    effect: allow\\n    limits: { spend: { usd: 10, per: day } }\\n' });
const agent = { id: 'a1' };
const first = await createEngine({ bundle, store: new FileStore('${dir}') });
const paid = first.decide({ agent, action: 'pay', resource: 'r', cost: { usd: 4 }, idempotency_key: 'k1' });
// A second engine over the same folder: the reservation, the open decision and the reply are there.
const second = await createEngine({ bundle, store: new FileStore('${dir}') });
console.log(second.state(agent).budgets[0].used, second.decide({ agent, action: 'pay', resource: 'r', cost: { usd: 4 }, idempotency_key: 'k1' }).id === paid.id);
console.log(second.outcome({ agent, decision: paid.id, outcome: 'success', cost: { usd: 1 } }).budgets[0].used);
`;
  writeFileSync('file-store.test-snippet.ts', `${store}\n${usage}`);
  try {
    const r = spawnSync('node', ['--import', 'tsx', 'file-store.test-snippet.ts'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('4 true\n1\n');
  } finally {
    rmSync('file-store.test-snippet.ts');
    rmSync(dir, { recursive: true, force: true });
  }
});
