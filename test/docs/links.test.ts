/**
 * The README and docs/ link only to files in this repository, and every such link resolves.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { expect, it } from 'vitest';

const root = resolve('.');
const pages = ['README.md', 'CONTRIBUTING.md', 'SECURITY.md', ...readdirSync('docs').map((f) => join('docs', f))];

it('every link in the README and docs/ points at a file in the repository that exists', () => {
  const problems: string[] = [];
  let links = 0;
  for (const page of pages) {
    const text = readFileSync(page, 'utf8').replace(/```[\s\S]*?```/g, ''); // code is not links
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      links++;
      if (/^[a-z]+:/i.test(target)) {
        problems.push(`${page}: ${target} leaves the repository`);
        continue;
      }
      const path = target.split('#')[0];
      if (!path) continue; // a heading on the same page
      const file = resolve(dirname(page), path);
      if (relative(root, file).startsWith('..')) problems.push(`${page}: ${target} is outside the repository`);
      else if (!existsSync(file)) problems.push(`${page}: ${target} does not exist`);
    }
  }
  expect(problems).toEqual([]);
  expect(links).toBeGreaterThan(20);
});

it('the README is the front door: about 250 lines at most', () => {
  expect(readFileSync('README.md', 'utf8').split('\n').length).toBeLessThanOrEqual(260);
});
