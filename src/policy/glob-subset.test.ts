import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { globMatch } from './glob.js';
import { globSubset } from './glob-subset.js';

// Small alphabets make overlaps (and near misses) common.
const globArb = fc
  .array(fc.constantFrom('a', 'b', '.', '/', '*', '**'), { minLength: 1, maxLength: 6 })
  .map((parts) => parts.join(''))
  .filter((g) => !g.includes('***'));
const textArb = fc.array(fc.constantFrom('a', 'b', '.', '/', 'x'), { maxLength: 8 }).map((parts) => parts.join(''));

const runsArb = fc.array(fc.array(fc.constantFrom('a', 'b', 'x', '.', '/'), { maxLength: 3 }), {
  minLength: 6,
  maxLength: 6,
});

/** A string the glob matches, built from it: each wildcard replaced by a run it allows. */
function fill(glob: string, runs: string[][]): string {
  let i = 0;
  return glob.replace(/\*\*|\*/g, (w) => {
    const run = runs[i++ % runs.length].join('');
    return w === '*' ? run.replace(/\//g, '') : run;
  });
}

describe('globSubset', () => {
  it('decides the cases a delegation meets', () => {
    const cases: [string, string, boolean][] = [
      ['db.query', 'db.*', true],
      ['db.*', 'db.*', true],
      ['db.*', '**', true],
      ['**', 'db.*', false],
      ['db:prod/*', 'db:**', true],
      ['db:**', 'db:prod/*', false],
      ['db:prod/**', 'db:*', false], // ** crosses '/', * does not
      ['db:*', 'db:**', true],
      ['github.get_*', 'github.*', true],
      ['github.*', 'github.get_*', false],
      ['a*b', 'a**', true],
      ['a**', 'a*', false],
      ['*', '**', true],
      ['x', 'y', false],
    ];
    for (const [inner, outer, expected] of cases)
      expect(globSubset(inner, outer), `${inner} ⊆ ${outer}`).toBe(expected);
  });

  it('is sound: when it says subset, every string the inner glob matches, the outer matches', () => {
    fc.assert(
      fc.property(globArb, globArb, textArb, (inner, outer, text) => {
        if (globSubset(inner, outer) && globMatch(inner, text)) expect(globMatch(outer, text)).toBe(true);
      }),
      { numRuns: 3000 },
    );
    // Random text rarely matches a glob; strings built from the inner glob always do.
    fc.assert(
      fc.property(globArb, globArb, runsArb, (inner, outer, runs) => {
        if (!globSubset(inner, outer)) return;
        const text = fill(inner, runs);
        expect(globMatch(inner, text)).toBe(true);
        expect(globMatch(outer, text), `'${text}' from '${inner}' ⊆ '${outer}'`).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('is complete: when it says not subset, there is a string only the inner glob matches', () => {
    // A brute-force search over short strings finds the witness for small globs.
    const words: string[] = [''];
    for (let n = 0; n < 4; n++)
      for (const w of [...words]) if (w.length === n) for (const c of ['a', 'b', '.', '/', 'x']) words.push(w + c);
    fc.assert(
      fc.property(
        globArb.filter((g) => g.replace(/\*/g, '').length <= 2),
        globArb,
        (inner, outer) => {
          if (globSubset(inner, outer)) return;
          expect(
            words.some((w) => globMatch(inner, w) && !globMatch(outer, w)),
            `${inner} ⊄ ${outer}`,
          ).toBe(true);
        },
      ),
      { numRuns: 1500 },
    );
  });
});
