import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { enginePair } from '../helpers/engines.js';
import { compileRegex, regexMatch } from '../../src/policy/regex/program.js';

const matches = (pattern: string, text: string) => regexMatch(compileRegex(pattern), text);

describe('RE2 syntax', () => {
  it.each([
    ['(a)\\1', 'backreferences are not supported (RE2 syntax)'],
    ['(?P<x>a)\\k<x>', 'backreferences are not supported (RE2 syntax)'],
    ['(?=a)', 'lookaround is not supported (RE2 syntax)'],
    ['(?!a)', 'lookaround is not supported (RE2 syntax)'],
    ['(?<=a)b', 'lookaround is not supported (RE2 syntax)'],
    ['(?<!a)b', 'lookaround is not supported (RE2 syntax)'],
    ['a*+', 'possessive repetition is not supported'],
    ['a**', 'bad repetition operator'],
    ['*a', 'missing argument to repetition operator'],
    ['a{1001}', 'counts above 1000'],
    ['a{3,2}', 'maximum below its minimum'],
    ['[z-a]', 'bad character class range'],
    ['(ab', "missing ')'"],
    ['ab)', "unexpected ')'"],
    ['[ab', "missing ']'"],
    ['\\p{Greek}', 'Unicode classes'],
    ['\\q', "invalid escape '\\q'"],
  ])('rejects %s', (pattern, message) => {
    expect(() => compileRegex(pattern)).toThrow(message);
  });

  it.each([
    ['^drop\\s+table', 'drop \t table users', true],
    ['(?i)drop', 'DrOp', true],
    ['(?i:d)rop', 'Drop', true],
    ['(?i:d)rop', 'DROP', false],
    ['a{2,3}b', 'xaab', true],
    ['^a{2,3}b', 'ab', false],
    ['\\bword\\b', 'a word here', true],
    ['\\bword\\b', 'swordfish', false],
    ['^$', '', true],
    ['.', '\n', false],
    ['(?s).', '\n', true],
    ['^b', 'a\nb', false],
    ['(?m)^b$', 'a\nb\nc', true],
    ['[[:alpha:]]+\\d', '--ab1', true],
    ['é.', 'xéy', true],
    ['^.$', '😀', true],
    ['\\x{1F600}', '😀', true],
    ['\\Qa.b\\E', 'a.b', true],
    ['\\Qa.b\\E', 'axb', false],
    ['[^\\d\\s]', '1 2', false],
    ['a{,2}', 'a{,2}', true], // not a repetition, so literal, as in RE2
    ['(?i)straße', 'STRASSE', false], // simple case folding only, as RE2
  ])('%s on %j is %s', (pattern, text, expected) => {
    expect(matches(pattern, text)).toBe(expected);
  });

  it('matches in linear time: (a*)*b and (a|aa)*c against 64 KiB of a complete', async () => {
    const text = 'a'.repeat(64 * 1024);
    expect(matches('(a*)*b', text)).toBe(false);
    expect(matches('(a|aa)*c', text)).toBe(false);
    expect(matches('(x+x+)+y', 'x'.repeat(64 * 1024))).toBe(false);
    // And the same through the WASM evaluator.
    const { wasm, reference } = await enginePair({
      'p.yaml':
        'rules:\n  - id: r\n    effect: allow\n    when: context.s.matches("(a*)*b") || context.s.matches("(a|aa)*c")\n',
    });
    const request = { agent: { id: 'a' }, action: 'x', resource: 'r', context: { s: text } };
    expect(wasm.evaluate(request)).toEqual(reference(request));
    expect(wasm.evaluate(request).code).toBe('no_match');
  });
});

/** Patterns JavaScript's RegExp (flag u) reads the same way as RE2, over ASCII text without \r. */
const atom = fc.constantFrom('a', 'b', 'c', '.', '[ab]', '[^a]', '\\d', '\\w', '[a-c1]', '1', ' ', '\\.');
const regex: fc.Arbitrary<string> = fc.letrec<{ r: string }>((tie) => ({
  r: fc.oneof(
    { depthSize: 'small', maxDepth: 4 },
    atom,
    fc.tuple(tie('r'), tie('r')).map(([a, b]) => a + b),
    fc.tuple(tie('r'), tie('r')).map(([a, b]) => `(?:${a}|${b})`),
    fc.tuple(tie('r'), fc.constantFrom('*', '+', '?', '{2}', '{1,3}', '{0,}', '*?')).map(([a, q]) => `(?:${a})${q}`),
    fc
      .tuple(fc.constantFrom('^', '\\b', '\\B', ''), tie('r'), fc.constantFrom('$', '\\b', ''))
      .map(([a, r, b]) => a + r + b),
  ),
})).r;
const text = fc
  .array(fc.constantFrom('a', 'b', 'c', '1', ' ', '.', '\n', 'é'), { maxLength: 12 })
  .map((cs) => cs.join(''));

describe('semantics', () => {
  it('agree with RegExp on the syntax they share', () => {
    fc.assert(
      fc.property(regex, text, (pattern, input) => {
        expect(matches(pattern, input)).toBe(new RegExp(pattern, 'u').test(input));
      }),
      { numRuns: 3000 },
    );
  });

  it('agree between the reference and the WASM evaluator, with the string methods', async () => {
    const patterns = ['^a+b', '(?i)A.C', '\\bab\\b', '(a|b)*c$', '^$', '[^ab]', '\\d{2,}', 'é'];
    const when = patterns
      .map(
        (p, i) =>
          `  - id: r${i}\n    effect: allow\n    actions: ["m${i}"]\n    when: context.s.matches(${JSON.stringify(p)}) || context.s.trim().lowerAscii().upperAscii().size() == context.n\n`,
      )
      .join('');
    const { wasm, reference } = await enginePair({ 'p.yaml': `rules:\n${when}` });
    fc.assert(
      fc.property(fc.nat(patterns.length - 1), text, fc.nat(6), (i, s, n) => {
        const request = { agent: { id: 'a' }, action: `m${i}`, resource: 'r', context: { s: ` ${s}\t`, n } };
        expect(wasm.evaluate(request)).toEqual(reference(request));
      }),
      { numRuns: 2000 },
    );
  });
});
