import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { globMatch, globProblem } from './glob.js';

describe('globMatch', () => {
  it.each([
    ['db.*', 'db.query', true],
    ['db.*', 'db.a/b', false],
    ['db:**', 'db:a/b/c', true],
    ['db:*/secrets', 'db:prod/secrets', true],
    ['db:*/secrets', 'db:prod/x/secrets', false],
    ['*', '', true],
    ['a*b*c', 'abc', true],
    ['a*b*c', 'acb', false],
    ['é*', 'éa', true],
    ['literal', 'literal', true],
    ['literal', 'literally', false],
  ])('%s ~ %s → %s', (pattern, text, want) => {
    expect(globMatch(pattern, text)).toBe(want);
  });

  it('agrees with a regular expression translation on random inputs', () => {
    const toRegex = (g: string) =>
      new RegExp(
        `^${g
          .split(/(\*\*|\*)/)
          .map((part) =>
            part === '**' ? '[^]*' : part === '*' ? '[^/]*' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
          )
          .join('')}$`,
      );
    const alphabet = fc.constantFrom('a', 'b', '/', '*');
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 8 }).map((a) => a.join('').replace(/\*{3,}/g, '**')),
        fc.array(fc.constantFrom('a', 'b', '/'), { maxLength: 10 }).map((a) => a.join('')),
        (g, t) => {
          expect(globMatch(g, t)).toBe(toRegex(g).test(t));
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('runs in linear time on a pathological pattern', () => {
    const pattern = `${'*a'.repeat(60)}b`;
    const text = 'a'.repeat(20_000);
    expect(globMatch(pattern, text)).toBe(false);
  });
});

describe('globProblem', () => {
  it('rejects empty, over-long, triple-star and control-character globs', () => {
    expect(globProblem('')).toMatch(/empty/);
    expect(globProblem('a'.repeat(257))).toMatch(/longer than 256/);
    expect(globProblem('a***')).toMatch(/three or more/);
    expect(globProblem('a\u0001')).toMatch(/control/);
    expect(globProblem('\ud800')).toMatch(/surrogate/);
    expect(globProblem('db:**')).toBeNull();
  });
});
