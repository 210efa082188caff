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
export type StringFn = 'startsWith' | 'endsWith' | 'contains' | 'matches';
export const STRING_FNS: readonly StringFn[] = ['startsWith', 'endsWith', 'contains', 'matches'];

export type Expr =
  | { kind: 'literal'; value: Scalar; pos: number }
  | { kind: 'list'; items: Scalar[]; pos: number }
  | { kind: 'path'; root: PathRoot; keys: string[]; text: string; pos: number }
  | { kind: 'not'; arg: Expr; pos: number }
  | { kind: 'negate'; arg: Expr; pos: number }
  | { kind: 'binary'; op: BinaryOp; left: Expr; right: Expr; pos: number }
  | { kind: 'call'; fn: StringFn; target: Expr; arg: Expr; pos: number };
