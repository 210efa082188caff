/**
 * @module
 * The expression AST of the `when` language (a CEL subset). Positions are offsets into the
 * expression's source text.
 */

export type Scalar = null | boolean | number | string;

/** Roots an expression path can start from. */
export type PathRoot = 'agent' | 'action' | 'resource' | 'params' | 'context' | 'delegation' | 'now';
export const PATH_ROOTS: readonly PathRoot[] = [
  'agent',
  'action',
  'resource',
  'params',
  'context',
  'delegation',
  'now',
];

export type BinaryOp = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | '+' | '-' | '*' | '/' | '&&' | '||';
/** Methods with one argument. `glob` and `matches` take a string literal, compiled at build time. */
export type StringFn = 'startsWith' | 'endsWith' | 'contains' | 'matches' | 'glob';
export const STRING_FNS: readonly StringFn[] = ['startsWith', 'endsWith', 'contains', 'matches', 'glob'];
/** Methods with no argument: string transforms, and `size` of a string (code points) or a list. */
export type UnaryFn = 'lowerAscii' | 'upperAscii' | 'trim' | 'size';
export const UNARY_FNS: readonly UnaryFn[] = ['lowerAscii', 'upperAscii', 'trim', 'size'];

export type Expr =
  | { kind: 'literal'; value: Scalar; pos: number }
  | { kind: 'list'; items: Scalar[]; pos: number }
  | { kind: 'path'; root: PathRoot; keys: string[]; text: string; pos: number }
  | { kind: 'not'; arg: Expr; pos: number }
  | { kind: 'negate'; arg: Expr; pos: number }
  | { kind: 'binary'; op: BinaryOp; left: Expr; right: Expr; pos: number }
  | { kind: 'call'; fn: StringFn; target: Expr; arg: Expr; pos: number }
  | { kind: 'method'; fn: UnaryFn; target: Expr; pos: number }
  /** `list.exists(x, pred)` and `list.all(x, pred)`: `pred` reads the element as `x`. */
  | { kind: 'macro'; fn: MacroFn; target: Expr; variable: string; slot: number; body: Expr; pos: number }
  /** A macro's bound variable, or a field of it (`x.amount`); `slot` is its nesting depth. */
  | { kind: 'var'; name: string; slot: number; keys: string[]; text: string; pos: number };

export type MacroFn = 'exists' | 'all';
export const MACRO_FNS: readonly MacroFn[] = ['exists', 'all'];
/** How deeply macros may nest. */
export const MAX_MACRO_DEPTH = 4;
