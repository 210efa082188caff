/**
 * The README's quick starts, run as a new user would: the Node one with node, the browser
 * one in Chromium (test/browser covers the page itself).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { expect, it } from 'vitest';

const readme = readFileSync('README.md', 'utf8');

/** The first fenced block of `lang` after `marker`. */
export function snippet(marker: string, lang: string): string {
  const from = readme.indexOf(marker);
  expect(from, marker).toBeGreaterThanOrEqual(0);
  const open = readme.indexOf(`\`\`\`${lang}\n`, from);
  return readme.slice(open + lang.length + 4, readme.indexOf('\n```', open));
}

it('the Node quick start runs as printed, in at most 10 lines', () => {
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
