/**
 * @module
 * The compile-time checker for `when` expressions: it rejects unknown paths and
 * operations that are ill-typed for every possible input. Paths into `params` and
 * `context` are dynamic (`dyn`) and are checked at run time instead.
 */
import type { Expr, PathRoot } from './ast.js';
import { compileRegex } from '../regex/program.js';
import { didYouMean } from '../suggest.js';
import { RegexSyntaxError } from '../regex/parse.js';

/** Why RE2 would reject the pattern, or null. */
function regexProblem(pattern: string): RegexSyntaxError | null {
  try {
    compileRegex(pattern);
    return null;
  } catch (err) {
    if (err instanceof RegexSyntaxError) return err;
    throw err;
  }
}

export type ExprType = 'num' | 'str' | 'bool' | 'null' | 'list' | 'dyn';

/** Declared fields under `params.*` or `context.*`, from schemas. */
export interface FieldTypes {
  types: ReadonlyMap<string, ExprType>;
  /** No other field can be present: a path to one is an error. */
  closed: boolean;
  /** What the schema says when a path names an undeclared field. */
  describe: string;
}

/** What the checker knows about paths: the attribute types the catalogues declare, and the schemas. */
export interface TypeEnv {
  actionAttrs: ReadonlyMap<string, ExprType>;
  resourceAttrs: ReadonlyMap<string, ExprType>;
  /** The params of the actions a rule can match; absent, params are dynamic. */
  params?: FieldTypes;
  /** The `context:` schema; absent, context is dynamic. */
  context?: FieldTypes;
}

export interface TypeProblem {
  code: 'unknown_path' | 'type_error' | 'bad_regex';
  message: string;
  pos: number;
}

const FIXED_PATHS: Record<string, ExprType> = {
  'agent.id': 'str',
  'agent.tenant': 'str',
  'agent.roles': 'list',
  'agent.trust': 'num',
  'action.name': 'str',
  'resource.name': 'str',
  'delegation.depth': 'num',
  'delegation.root': 'str',
  'delegation.chain': 'list',
  'now.unix': 'num',
  'now.year': 'num',
  'now.month': 'num',
  'now.day': 'num',
  'now.hour': 'num',
  'now.minute': 'num',
  'now.weekday': 'num',
};

/** The `now.*` fields, in the order the request encoding carries them. */
export const NOW_FIELDS = ['unix', 'year', 'month', 'day', 'hour', 'minute', 'weekday'] as const;

const OPEN_ROOTS: readonly PathRoot[] = ['params', 'context'];

/** A pattern with `*` and none of RE2's other syntax: most likely a glob written before 1.1. */
function readsLikeGlob(pattern: string): boolean {
  return pattern.includes('*') && !/[\\()[\]^$+?{}|]/.test(pattern);
}

function globHint(pattern: string): string {
  return `${JSON.stringify(pattern)} reads like a glob: for a glob, write .glob(${JSON.stringify(pattern)})`;
}

/**
 * `matches` patterns that read like globs (`"db:*"`, `"github:acme/**"`): since 1.1 they are
 * RE2, where `*` repeats what comes before it, so such a rule likely means `glob(...)`.
 */
export function globLikePatterns(e: Expr, out: TypeProblem[] = []): TypeProblem[] {
  const visit = (x: Expr): void => {
    switch (x.kind) {
      case 'call':
        if (
          x.fn === 'matches' &&
          x.arg.kind === 'literal' &&
          typeof x.arg.value === 'string' &&
          readsLikeGlob(x.arg.value)
        ) {
          out.push({
            code: 'type_error',
            message: `'matches' takes an RE2 pattern; ${globHint(x.arg.value)}`,
            pos: x.arg.pos,
          });
        }
        visit(x.target);
        visit(x.arg);
        return;
      case 'not':
      case 'negate':
        return visit(x.arg);
      case 'binary':
        visit(x.left);
        return visit(x.right);
      case 'method':
        return visit(x.target);
      case 'macro':
        visit(x.target);
        return visit(x.body);
      default:
        return;
    }
  };
  visit(e);
  return out;
}

/** Type-checks an expression; returns every problem found (empty when it is well typed). */
export function typecheck(expr: Expr, env: TypeEnv): TypeProblem[] {
  const problems: TypeProblem[] = [];
  const result = check(expr, env, problems);
  if (problems.length === 0 && !compatible(result, 'bool')) {
    problems.push({ code: 'type_error', message: `condition must be a boolean, not ${result}`, pos: expr.pos });
  }
  return problems;
}

function compatible(t: ExprType, want: ExprType): boolean {
  return t === want || t === 'dyn';
}

function check(e: Expr, env: TypeEnv, out: TypeProblem[]): ExprType {
  switch (e.kind) {
    case 'literal':
      return e.value === null
        ? 'null'
        : typeof e.value === 'number'
          ? 'num'
          : typeof e.value === 'string'
            ? 'str'
            : 'bool';
    case 'list':
      return 'list';
    case 'path':
      return pathType(e, env, out);
    case 'not':
      return expect(e.arg, 'bool', env, out, "'!'") ? 'bool' : 'bool';
    case 'negate':
      expect(e.arg, 'num', env, out, "unary '-'");
      return 'num';
    case 'call': {
      expect(e.target, 'str', env, out, `'${e.fn}'`);
      if ((e.fn === 'matches' || e.fn === 'glob') && (e.arg.kind !== 'literal' || typeof e.arg.value !== 'string')) {
        const what = e.fn === 'matches' ? 'an RE2 pattern' : 'a glob';
        out.push({
          code: 'type_error',
          message: `'${e.fn}' takes a string literal: ${what}, compiled when the bundle is built`,
          pos: e.arg.pos,
        });
      } else if (e.fn === 'matches') {
        const problem = regexProblem((e.arg as { value: string }).value);
        const pattern = (e.arg as { value: string }).value;
        const hint = readsLikeGlob(pattern) ? `; ${globHint(pattern)}` : '';
        if (problem)
          out.push({
            code: 'bad_regex',
            message: `'matches' pattern ${JSON.stringify(pattern)}: ${problem.message} (at offset ${problem.pos} of the pattern)${hint}`,
            pos: e.arg.pos,
          });
      } else expect(e.arg, 'str', env, out, `'${e.fn}'`);
      return 'bool';
    }
    case 'macro': {
      expect(e.target, 'list', env, out, `'${e.fn}'`);
      expect(e.body, 'bool', env, out, `the predicate of '${e.fn}'`);
      return 'bool';
    }
    case 'var':
      return 'dyn';
    case 'method': {
      if (e.fn !== 'size') {
        expect(e.target, 'str', env, out, `'${e.fn}'`);
        return 'str';
      }
      const t = check(e.target, env, out);
      if (t !== 'str' && t !== 'list' && t !== 'dyn')
        out.push({
          code: 'type_error',
          message: `'size' needs a string or a list, not a ${typeName(t)}`,
          pos: e.target.pos,
        });
      return 'num';
    }
    case 'binary':
      return binaryType(e, env, out);
  }
}

function expect(e: Expr, want: ExprType, env: TypeEnv, out: TypeProblem[], what: string): boolean {
  const t = check(e, env, out);
  if (compatible(t, want)) return true;
  out.push({ code: 'type_error', message: `${what} needs a ${typeName(want)}, not a ${typeName(t)}`, pos: e.pos });
  return false;
}

function typeName(t: ExprType): string {
  return { num: 'number', str: 'string', bool: 'boolean', null: 'null', list: 'list', dyn: 'value' }[t];
}

function binaryType(e: Extract<Expr, { kind: 'binary' }>, env: TypeEnv, out: TypeProblem[]): ExprType {
  const op = e.op;
  if (op === '&&' || op === '||') {
    expect(e.left, 'bool', env, out, `'${op}'`);
    expect(e.right, 'bool', env, out, `'${op}'`);
    return 'bool';
  }
  if (op === '+' || op === '-' || op === '*' || op === '/') {
    expect(e.left, 'num', env, out, `'${op}'`);
    expect(e.right, 'num', env, out, `'${op}'`);
    return 'num';
  }
  const l = check(e.left, env, out);
  const r = check(e.right, env, out);
  if (op === 'in') {
    if (l === 'list')
      out.push({ code: 'type_error', message: "the left side of 'in' must be a single value", pos: e.left.pos });
    if (!compatible(r, 'list'))
      out.push({
        code: 'type_error',
        message: `the right side of 'in' must be a list, not a ${typeName(r)}`,
        pos: e.right.pos,
      });
    return 'bool';
  }
  if (op === '==' || op === '!=') {
    if (l === 'list' || r === 'list')
      out.push({ code: 'type_error', message: `'${op}' cannot compare lists`, pos: e.pos });
    else if (l !== r && l !== 'dyn' && r !== 'dyn' && l !== 'null' && r !== 'null') {
      out.push({ code: 'type_error', message: `'${op}' compares a ${typeName(l)} with a ${typeName(r)}`, pos: e.pos });
    }
    return 'bool';
  }
  // < <= > >=: numbers with numbers, strings with strings.
  const ordered = (t: ExprType) => t === 'num' || t === 'str' || t === 'dyn';
  if (!ordered(l) || !ordered(r) || (l !== r && l !== 'dyn' && r !== 'dyn')) {
    out.push({
      code: 'type_error',
      message: `'${op}' needs two numbers or two strings, not a ${typeName(l)} and a ${typeName(r)}`,
      pos: e.pos,
    });
  }
  return 'bool';
}

function pathType(e: Extract<Expr, { kind: 'path' }>, env: TypeEnv, out: TypeProblem[]): ExprType {
  if (e.keys.length === 0) {
    out.push({
      code: 'unknown_path',
      message: `path '${e.text}' must name a field, like '${e.root}.<name>'`,
      pos: e.pos,
    });
    return 'dyn';
  }
  if (OPEN_ROOTS.includes(e.root)) {
    const fields = e.root === 'params' ? env.params : env.context;
    const type = fields?.types.get(e.keys[0]);
    if (fields && type === undefined && fields.closed) {
      out.push({
        code: 'unknown_path',
        message:
          `unknown path '${e.root}.${e.keys[0]}': ${fields.describe} declares no '${e.keys[0]}'.${didYouMean(e.keys[0], [...fields.types.keys()])}`.replace(
            /\.$/,
            '',
          ),
        pos: e.pos,
      });
      return 'dyn';
    }
    if (type === undefined || type === 'dyn') return 'dyn';
    if (e.keys.length > 1) {
      out.push({
        code: 'unknown_path',
        message: `unknown path '${e.text}': '${e.root}.${e.keys[0]}' is a ${typeName(type)}, with no fields`,
        pos: e.pos,
      });
      return 'dyn';
    }
    return type;
  }
  const head = `${e.root}.${e.keys[0]}`;
  const fixed = FIXED_PATHS[head];
  const attrs = e.root === 'action' ? env.actionAttrs : e.root === 'resource' ? env.resourceAttrs : null;
  const type = fixed ?? attrs?.get(e.keys[0]);
  if (type === undefined) {
    const known = [
      ...Object.keys(FIXED_PATHS)
        .filter((p) => p.startsWith(`${e.root}.`))
        .map((p) => p.slice(e.root.length + 1)),
      ...(attrs?.keys() ?? []),
    ];
    const hint = attrs ? `: no '${e.root}s' entry declares the attribute '${e.keys[0]}'` : '';
    const suggestion = didYouMean(e.keys[0], known).replace(/'(.*)'/, `'${e.root}.$1'`);
    out.push({
      code: 'unknown_path',
      message: `unknown path '${e.text}'${hint}${suggestion && `.${suggestion}`}`,
      pos: e.pos,
    });
    return 'dyn';
  }
  if (e.keys.length > 1) {
    out.push({ code: 'unknown_path', message: `unknown path '${e.text}': '${head}' has no fields`, pos: e.pos });
    return 'dyn';
  }
  return type;
}
