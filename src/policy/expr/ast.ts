/**
 * @module
 * The expression AST of the `when` language (a CEL subset). Positions are offsets into the
 * expression's source text.
 */

export type Scalar = null | boolean | number | string;

/** Roots an expression path can start from. */
export type PathRoot = 'agent' | 'action' | 'resource' | 'params' | 'context' | 'delegation' | 'now';
export const PATH_ROOTS: readonly PathRoot[] = ['agent', 'action', 'resource', 'params', 'context', 'delegation', 'now'];

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
  | { kind: 'method'; fn: UnaryFn; target: Expr; pos: number };
