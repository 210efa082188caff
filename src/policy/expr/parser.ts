/**
 * @module
 * A hand-written recursive-descent parser for `when` expressions, with limits on source
 * length, nesting depth and node count so that no input can exhaust the stack or memory.
 *
 * Precedence, loosest first: `||`, `&&`, relations (`== != < <= > >= in`), `+ -`, `* /`,
 * unary (`! -`), member access and method calls.
 */
import { TollgateError } from '../../lib/errors.js';
import { closest, didYouMean } from '../suggest.js';
import {
  MACRO_FNS,
  MAX_MACRO_DEPTH,
  PATH_ROOTS,
  STRING_FNS,
  UNARY_FNS,
  type MacroFn,
  type BinaryOp,
  type Expr,
  type PathRoot,
  type Scalar,
  type StringFn,
  type UnaryFn,
} from './ast.js';

export const MAX_EXPR_LENGTH = 4096;
export const MAX_EXPR_DEPTH = 32;
export const MAX_EXPR_NODES = 512;

/** A parse problem at an offset of the expression source. */
export class ExprSyntaxError extends TollgateError<
  'expr_syntax' | 'expr_too_deep' | 'expr_too_large' | 'unknown_path'
> {
  constructor(
    code: 'expr_syntax' | 'expr_too_deep' | 'expr_too_large' | 'unknown_path',
    message: string,
    readonly pos: number,
  ) {
    super(code, message);
    this.name = 'ExprSyntaxError';
  }
}

type Token =
  | { t: 'num'; v: number; pos: number }
  | { t: 'str'; v: string; pos: number }
  | { t: 'id'; v: string; pos: number }
  | { t: 'op'; v: string; pos: number }
  | { t: 'end'; pos: number };

const OPERATORS = ['==', '!=', '<=', '>=', '&&', '||', '<', '>', '!', '+', '-', '*', '/', '(', ')', '[', ']', ',', '.'];

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (c >= '0' && c <= '9') {
      const m = /^[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(src.slice(i))!;
      const v = Number(m[0]);
      if (!Number.isFinite(v)) throw new ExprSyntaxError('expr_syntax', `number '${m[0]}' is out of range`, i);
      out.push({ t: 'num', v, pos: i });
      i += m[0].length;
    } else if (c === '"' || c === "'") {
      const [v, end] = readString(src, i);
      out.push({ t: 'str', v, pos: i });
      i = end;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))!;
      out.push({ t: 'id', v: m[0], pos: i });
      i += m[0].length;
    } else {
      const op = OPERATORS.find((o) => src.startsWith(o, i));
      if (!op) throw new ExprSyntaxError('expr_syntax', `unexpected character '${c}'`, i);
      out.push({ t: 'op', v: op, pos: i });
      i += op.length;
    }
  }
  out.push({ t: 'end', pos: src.length });
  return out;
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'" };

function readString(src: string, start: number): [string, number] {
  const quote = src[start];
  let out = '';
  for (let i = start + 1; i < src.length; i++) {
    const c = src[i];
    if (c === quote) return [out, i + 1];
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = src[++i];
    if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(src.slice(i + 1, i + 5))) {
      out += String.fromCharCode(parseInt(src.slice(i + 1, i + 5), 16));
      i += 4;
    } else if (e !== undefined && ESCAPES[e] !== undefined) out += ESCAPES[e];
    else throw new ExprSyntaxError('expr_syntax', `bad escape '\\${e ?? ''}' in string`, i - 1);
  }
  throw new ExprSyntaxError('expr_syntax', 'unterminated string', start);
}

/** Parses one expression; throws `ExprSyntaxError` with the offending offset. */
export function parseExpr(src: string): Expr {
  if (src.length > MAX_EXPR_LENGTH) {
    throw new ExprSyntaxError('expr_too_large', `expression is longer than ${MAX_EXPR_LENGTH} characters`, 0);
  }
  const p = new Parser(tokenize(src));
  const e = p.parseOr();
  const tok = p.peek();
  if (tok.t !== 'end') throw new ExprSyntaxError('expr_syntax', `unexpected '${describe(tok)}'`, tok.pos);
  const strings = collectStrings(e);
  if (strings.some((s) => !s.isWellFormed()))
    throw new ExprSyntaxError('expr_syntax', 'string has a lone surrogate', 0);
  return e;
}

function collectStrings(e: Expr): string[] {
  switch (e.kind) {
    case 'literal':
      return typeof e.value === 'string' ? [e.value] : [];
    case 'list':
      return e.items.filter((x): x is string => typeof x === 'string');
    case 'path':
      return [];
    case 'not':
    case 'negate':
      return collectStrings(e.arg);
    case 'binary':
      return [...collectStrings(e.left), ...collectStrings(e.right)];
    case 'call':
      return [...collectStrings(e.target), ...collectStrings(e.arg)];
    case 'method':
      return collectStrings(e.target);
    case 'macro':
      return [...collectStrings(e.target), ...collectStrings(e.body)];
    case 'var':
      return [];
  }
}

/** The closest known function name, for a did-you-mean hint. */
function unknownFunction(name: string): string {
  const known = [...STRING_FNS, ...UNARY_FNS];
  const near = closest(name, known);
  return `unknown function '${name}'${near ? `; did you mean '${near}'?` : `; functions are ${known.join(', ')}`}`;
}

function describe(tok: Token): string {
  return tok.t === 'end' ? 'end of expression' : String(tok.v);
}

class Parser {
  private i = 0;
  private depth = 0;
  private nodes = 0;
  /** Names bound by the enclosing macros, innermost last. */
  private readonly scope: string[] = [];
  constructor(private readonly toks: Token[]) {}

  peek(): Token {
    return this.toks[this.i];
  }
  private isOp(v: string): boolean {
    const t = this.toks[this.i];
    return t.t === 'op' && t.v === v;
  }
  private expectOp(v: string): void {
    const t = this.peek();
    if (!this.isOp(v)) throw new ExprSyntaxError('expr_syntax', `expected '${v}' but found '${describe(t)}'`, t.pos);
    this.i++;
  }
  private node<E extends Expr>(e: E): E {
    if (++this.nodes > MAX_EXPR_NODES) {
      throw new ExprSyntaxError('expr_too_large', `expression has more than ${MAX_EXPR_NODES} nodes`, e.pos);
    }
    return e;
  }
  private enter(pos: number): void {
    if (++this.depth > MAX_EXPR_DEPTH) {
      throw new ExprSyntaxError('expr_too_deep', `expression is nested deeper than ${MAX_EXPR_DEPTH}`, pos);
    }
  }

  parseOr(): Expr {
    this.enter(this.peek().pos);
    let left = this.parseAnd();
    while (this.isOp('||')) {
      const pos = this.toks[this.i++].pos;
      left = this.node({ kind: 'binary', op: '||', left, right: this.parseAnd(), pos });
    }
    this.depth--;
    return left;
  }
  private parseAnd(): Expr {
    let left = this.parseRelation();
    while (this.isOp('&&')) {
      const pos = this.toks[this.i++].pos;
      left = this.node({ kind: 'binary', op: '&&', left, right: this.parseRelation(), pos });
    }
    return left;
  }
  private parseRelation(): Expr {
    let left = this.parseSum();
    for (;;) {
      const t = this.peek();
      const op =
        t.t === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(t.v)
          ? t.v
          : t.t === 'id' && t.v === 'in'
            ? 'in'
            : null;
      if (!op) return left;
      this.i++;
      left = this.node({ kind: 'binary', op: op as BinaryOp, left, right: this.parseSum(), pos: t.pos });
    }
  }
  private parseSum(): Expr {
    let left = this.parseProduct();
    while (this.isOp('+') || this.isOp('-')) {
      const t = this.toks[this.i++];
      left = this.node({
        kind: 'binary',
        op: t.t === 'op' ? (t.v as BinaryOp) : '+',
        left,
        right: this.parseProduct(),
        pos: t.pos,
      });
    }
    return left;
  }
  private parseProduct(): Expr {
    let left = this.parseUnary();
    while (this.isOp('*') || this.isOp('/')) {
      const t = this.toks[this.i++];
      left = this.node({
        kind: 'binary',
        op: t.t === 'op' ? (t.v as BinaryOp) : '*',
        left,
        right: this.parseUnary(),
        pos: t.pos,
      });
    }
    return left;
  }
  private parseUnary(): Expr {
    const t = this.peek();
    if (this.isOp('!') || this.isOp('-')) {
      this.i++;
      this.enter(t.pos);
      const arg = this.parseUnary();
      this.depth--;
      if (t.t === 'op' && t.v === '-' && arg.kind === 'literal' && typeof arg.value === 'number') {
        return { ...arg, value: -arg.value, pos: t.pos };
      }
      return this.node({ kind: t.t === 'op' && t.v === '!' ? 'not' : 'negate', arg, pos: t.pos });
    }
    return this.parseMember();
  }
  private parseMember(): Expr {
    let e = this.parsePrimary();
    while (this.isOp('.')) {
      this.i++;
      const name = this.peek();
      if (name.t !== 'id')
        throw new ExprSyntaxError('expr_syntax', `expected a name after '.' but found '${describe(name)}'`, name.pos);
      this.i++;
      if (this.isOp('(')) {
        this.i++;
        if (MACRO_FNS.includes(name.v as MacroFn)) {
          e = this.parseMacro(name.v as MacroFn, e, name.pos);
          continue;
        }
        if (UNARY_FNS.includes(name.v as UnaryFn)) {
          this.expectOp(')');
          e = this.node({ kind: 'method', fn: name.v as UnaryFn, target: e, pos: name.pos });
          continue;
        }
        if (!STRING_FNS.includes(name.v as StringFn))
          throw new ExprSyntaxError('expr_syntax', unknownFunction(name.v), name.pos);
        const arg = this.parseOr();
        this.expectOp(')');
        e = this.node({ kind: 'call', fn: name.v as StringFn, target: e, arg, pos: name.pos });
      } else if (e.kind === 'path' || e.kind === 'var') {
        e = { ...e, keys: [...e.keys, name.v], text: `${e.text}.${name.v}` };
      } else {
        throw new ExprSyntaxError('expr_syntax', `'.${name.v}' can only follow a path`, name.pos);
      }
    }
    return e;
  }
  private parsePrimary(): Expr {
    const t = this.toks[this.i++];
    if (t.t === 'num') return this.node({ kind: 'literal', value: t.v, pos: t.pos });
    if (t.t === 'str') return this.node({ kind: 'literal', value: t.v, pos: t.pos });
    if (t.t === 'id') {
      if (t.v === 'true' || t.v === 'false') return this.node({ kind: 'literal', value: t.v === 'true', pos: t.pos });
      if (t.v === 'null') return this.node({ kind: 'literal', value: null, pos: t.pos });
      if (t.v === 'size' && this.isOp('(')) {
        // CEL's global form: size(x) is x.size().
        this.i++;
        const target = this.parseOr();
        this.expectOp(')');
        return this.node({ kind: 'method', fn: 'size', target, pos: t.pos });
      }
      const slot = this.scope.lastIndexOf(t.v);
      if (slot >= 0) return this.node({ kind: 'var', name: t.v, slot, keys: [], text: t.v, pos: t.pos });
      if (!PATH_ROOTS.includes(t.v as PathRoot)) {
        throw new ExprSyntaxError(
          'unknown_path',
          `unknown name '${t.v}': paths start with ${PATH_ROOTS.join(', ')}.${didYouMean(t.v, PATH_ROOTS)}`,
          t.pos,
        );
      }
      return this.node({ kind: 'path', root: t.v as PathRoot, keys: [], text: t.v, pos: t.pos });
    }
    if (t.t === 'op' && t.v === '(') {
      const e = this.parseOr();
      this.expectOp(')');
      return e;
    }
    if (t.t === 'op' && t.v === '[') return this.parseList(t.pos);
    throw new ExprSyntaxError('expr_syntax', `unexpected '${describe(t)}'`, t.pos);
  }
  /** After `target.exists(` or `target.all(`: the variable, a comma, the predicate and ')'. */
  private parseMacro(fn: MacroFn, target: Expr, pos: number): Expr {
    const v = this.toks[this.i++];
    if (v.t !== 'id')
      throw new ExprSyntaxError(
        'expr_syntax',
        `'${fn}' takes a variable name first, as in list.${fn}(x, x > 0)`,
        v.pos,
      );
    if (PATH_ROOTS.includes(v.v as PathRoot) || ['true', 'false', 'null', 'in', 'size'].includes(v.v)) {
      throw new ExprSyntaxError('expr_syntax', `'${v.v}' is a reserved name and cannot be a ${fn} variable`, v.pos);
    }
    if (this.scope.length >= MAX_MACRO_DEPTH)
      throw new ExprSyntaxError('expr_too_deep', `macros nest deeper than ${MAX_MACRO_DEPTH}`, pos);
    this.expectOp(',');
    this.scope.push(v.v);
    const body = this.parseOr();
    this.scope.pop();
    this.expectOp(')');
    return this.node({ kind: 'macro', fn, target, variable: v.v, slot: this.scope.length, body, pos });
  }

  private parseList(pos: number): Expr {
    const items: Scalar[] = [];
    while (!this.isOp(']')) {
      if (items.length > 0) this.expectOp(',');
      const neg = this.isOp('-');
      if (neg) this.i++;
      const t = this.toks[this.i++];
      if (t.t === 'num') items.push(neg ? -t.v : t.v);
      else if (!neg && t.t === 'str') items.push(t.v);
      else if (!neg && t.t === 'id' && (t.v === 'true' || t.v === 'false')) items.push(t.v === 'true');
      else if (!neg && t.t === 'id' && t.v === 'null') items.push(null);
      else throw new ExprSyntaxError('expr_syntax', `list items must be literals, found '${describe(t)}'`, t.pos);
      if (items.length > MAX_EXPR_NODES) throw new ExprSyntaxError('expr_too_large', 'list literal is too long', t.pos);
    }
    this.i++;
    return this.node({ kind: 'list', items, pos });
  }
}
