import { describe, expect, it } from 'vitest';
import { ExprSyntaxError, MAX_EXPR_DEPTH, parseExpr } from './parser.js';

function syntaxError(src: string): ExprSyntaxError {
  try {
    parseExpr(src);
  } catch (err) {
    if (err instanceof ExprSyntaxError) return err;
    throw err;
  }
  throw new Error(`expected '${src}' to fail`);
}

describe('parseExpr', () => {
  it('parses precedence: || below && below relations below + below *', () => {
    const e = parseExpr('a_x || context.a && context.b == 1 + 2 * 3'.replace('a_x', 'context.z'));
    expect(e.kind).toBe('binary');
    expect(e.kind === 'binary' && e.op).toBe('||');
    const right = e.kind === 'binary' ? e.right : null;
    expect(right?.kind === 'binary' && right.op).toBe('&&');
  });

  it('folds negative number literals and keeps paths whole', () => {
    expect(parseExpr('-5')).toMatchObject({ kind: 'literal', value: -5 });
    expect(parseExpr('params.a.b')).toMatchObject({
      kind: 'path',
      root: 'params',
      keys: ['a', 'b'],
      text: 'params.a.b',
    });
  });

  it('parses method calls, lists and in', () => {
    expect(parseExpr('resource.name.startsWith("db:")')).toMatchObject({ kind: 'call', fn: 'startsWith' });
    expect(parseExpr('context.x in [1, "a", true, null, -2]')).toMatchObject({
      kind: 'binary',
      op: 'in',
      right: { kind: 'list', items: [1, 'a', true, null, -2] },
    });
  });

  it('decodes string escapes', () => {
    expect(parseExpr('"a\\n\\u00e9\\"\'"')).toMatchObject({ value: 'a\né"\'' });
  });

  it.each([
    ['context.x ==', 'expr_syntax', 12],
    ['context.x = 1', 'expr_syntax', 10],
    ['foo.bar', 'unknown_path', 0],
    ['context.x.nope()', 'expr_syntax', 10],
    ['"abc', 'expr_syntax', 0],
    ['[context.x]', 'expr_syntax', 1],
    ['context.x # y', 'expr_syntax', 10],
  ])('rejects %s with %s at %i', (src, code, pos) => {
    const err = syntaxError(src);
    expect(err.code).toBe(code);
    expect(err.pos).toBe(pos);
  });

  it('limits nesting depth, length and node count', () => {
    expect(syntaxError(`${'('.repeat(MAX_EXPR_DEPTH + 1)}1${')'.repeat(MAX_EXPR_DEPTH + 1)}`).code).toBe(
      'expr_too_deep',
    );
    expect(syntaxError(`${'!'.repeat(MAX_EXPR_DEPTH + 1)}true`).code).toBe('expr_too_deep');
    expect(syntaxError('1'.repeat(5000)).code).toBe('expr_too_large');
    expect(syntaxError(Array.from({ length: 300 }, () => 'context.a').join(' && ')).code).toBe('expr_too_large');
    expect(() => parseExpr(`${'('.repeat(MAX_EXPR_DEPTH - 1)}1${')'.repeat(MAX_EXPR_DEPTH - 1)}`)).not.toThrow();
  });
});
