/**
 * @module
 * Reference semantics of `when` expressions. Evaluation is strict, left to right, with
 * `&&` and `||` short-circuiting. A missing attribute or a type error stops the
 * expression with an `EvalFailure`: the rule then doesn't match (Cedar's rule).
 */
import type { Expr, PathRoot } from '../expr/ast.js';
import type { EvalErrorKind } from '../verdict.js';
import type { JsonValue } from '../../lib/json.js';
import { globMatch } from '../glob.js';
import { compileRegex, regexMatch, type RegexProgram } from '../regex/program.js';

const regexCache = new Map<string, RegexProgram>();

/** Patterns are literals checked at build time, so each compiles once. */
export function compiledRegex(pattern: string): RegexProgram {
  let prog = regexCache.get(pattern);
  if (!prog) {
    if (regexCache.size >= 1000) regexCache.clear();
    regexCache.set(pattern, (prog = compileRegex(pattern)));
  }
  return prog;
}

export class EvalFailure {
  constructor(
    readonly kind: EvalErrorKind,
    readonly detail: string,
  ) {}
}

/** Looks up the first key of a path under one root; undefined when it is missing. */
export type RootLookup = (root: PathRoot, key: string) => JsonValue | undefined;

type Kind = 'null' | 'bool' | 'num' | 'str' | 'list' | 'object';

function kindOf(v: JsonValue): Kind {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'list';
  switch (typeof v) {
    case 'boolean':
      return 'bool';
    case 'number':
      return 'num';
    case 'string':
      return 'str';
    default:
      return 'object';
  }
}

/** Orders strings by Unicode code point (which is UTF-8 byte order). */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

function equal(op: string, a: JsonValue, b: JsonValue): boolean {
  if (a === null || b === null) return a === b;
  const ka = kindOf(a);
  if (ka !== kindOf(b) || ka === 'list' || ka === 'object') throw new EvalFailure('type_error', op);
  return a === b;
}

function scalarIn(a: JsonValue, list: JsonValue[]): boolean {
  return list.some((item) => item === a && kindOf(item) === kindOf(a));
}

function num(op: string, v: JsonValue): number {
  if (typeof v !== 'number') throw new EvalFailure('type_error', op);
  return v;
}

function str(op: string, v: JsonValue): string {
  if (typeof v !== 'string') throw new EvalFailure('type_error', op);
  return v;
}

function bool(op: string, v: JsonValue): boolean {
  if (typeof v !== 'boolean') throw new EvalFailure('type_error', op);
  return v;
}

/** Follows `keys` into objects; undefined when a key is missing or the value is not an object. */
function field(v: JsonValue | undefined, keys: readonly string[]): JsonValue | undefined {
  for (const key of keys) {
    v =
      v !== null && v !== undefined && typeof v === 'object' && !Array.isArray(v) && Object.hasOwn(v, key)
        ? v[key]
        : undefined;
  }
  return v;
}

/**
 * `exists` and `all` as CEL defines them, whatever the order of the elements: a decisive
 * element (true for exists, false for all) decides; otherwise the first error stands.
 */
function macro(e: Extract<Expr, { kind: 'macro' }>, lookup: RootLookup, bound: JsonValue[]): boolean {
  const list = evaluateExpr(e.target, lookup, bound);
  if (!Array.isArray(list)) throw new EvalFailure('type_error', e.fn);
  const decisive = e.fn === 'exists';
  let failure: EvalFailure | null = null;
  for (const item of list) {
    try {
      const v = evaluateExpr(e.body, lookup, [...bound.slice(0, e.slot), item]);
      if (typeof v !== 'boolean') throw new EvalFailure('type_error', e.fn);
      if (v === decisive) return decisive;
    } catch (err) {
      if (!(err instanceof EvalFailure)) throw err;
      failure ??= err;
    }
  }
  if (failure) throw failure;
  return !decisive;
}

/** Evaluates an expression against the request; throws `EvalFailure`. `bound` holds the macro variables by slot. */
export function evaluateExpr(e: Expr, lookup: RootLookup, bound: JsonValue[] = []): JsonValue {
  switch (e.kind) {
    case 'literal':
      return e.value;
    case 'list':
      return e.items;
    case 'path': {
      const v = field(lookup(e.root, e.keys[0]), e.keys.slice(1));
      if (v === undefined) throw new EvalFailure('missing_attribute', e.text);
      return v;
    }
    case 'var': {
      const v = field(bound[e.slot], e.keys);
      if (v === undefined) throw new EvalFailure('missing_attribute', e.text);
      return v;
    }
    case 'macro':
      return macro(e, lookup, bound);
    case 'not':
      return !bool('!', evaluateExpr(e.arg, lookup, bound));
    case 'negate':
      return -num('-', evaluateExpr(e.arg, lookup, bound));
    case 'call': {
      // Both operands are evaluated before either is type-checked, as for binary operators.
      const targetValue = evaluateExpr(e.target, lookup, bound);
      const argValue = evaluateExpr(e.arg, lookup, bound);
      const target = str(e.fn, targetValue);
      const arg = str(e.fn, argValue);
      if (e.fn === 'startsWith') return target.startsWith(arg);
      if (e.fn === 'endsWith') return target.endsWith(arg);
      if (e.fn === 'contains') return target.includes(arg);
      if (e.fn === 'matches') return regexMatch(compiledRegex(arg), target);
      return globMatch(arg, target);
    }
    case 'method': {
      const target = evaluateExpr(e.target, lookup, bound);
      if (e.fn === 'size') {
        if (Array.isArray(target)) return target.length;
        return [...str('size', target)].length;
      }
      const text = str(e.fn, target);
      if (e.fn === 'trim') return text.replace(/^[\t\n\v\f\r ]+|[\t\n\v\f\r ]+$/g, '');
      // ASCII letters only, as CEL's lowerAscii/upperAscii: no locale, no length change.
      return e.fn === 'lowerAscii'
        ? text.replace(/[A-Z]+/g, (m) => m.toLowerCase())
        : text.replace(/[a-z]+/g, (m) => m.toUpperCase());
    }
    case 'binary':
      return binary(e.op, e.left, e.right, lookup, bound);
  }
}

function binary(op: string, leftExpr: Expr, rightExpr: Expr, lookup: RootLookup, bound: JsonValue[]): JsonValue {
  const left = evaluateExpr(leftExpr, lookup, bound);
  if (op === '&&' || op === '||') {
    const l = bool(op, left);
    if (op === '&&' ? !l : l) return l;
    return bool(op, evaluateExpr(rightExpr, lookup, bound));
  }
  const right = evaluateExpr(rightExpr, lookup, bound);
  switch (op) {
    case '==':
      return equal(op, left, right);
    case '!=':
      return !equal(op, left, right);
    case 'in': {
      if (!Array.isArray(right) || kindOf(left) === 'list' || kindOf(left) === 'object')
        throw new EvalFailure('type_error', op);
      return scalarIn(left, right);
    }
    case '+':
      return num(op, left) + num(op, right);
    case '-':
      return num(op, left) - num(op, right);
    case '*':
      return num(op, left) * num(op, right);
    case '/': {
      const d = num(op, right);
      const n = num(op, left);
      if (d === 0) throw new EvalFailure('division_by_zero', op);
      return n / d;
    }
  }
  // Ordering: two numbers or two strings.
  let c: number;
  if (typeof left === 'number' && typeof right === 'number')
    c = left < right ? -1 : left > right ? 1 : left === right ? 0 : NaN;
  else if (typeof left === 'string' && typeof right === 'string') c = compareCodePoints(left, right);
  else throw new EvalFailure('type_error', op);
  switch (op) {
    case '<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '>':
      return c > 0;
    default:
      return c >= 0;
  }
}
