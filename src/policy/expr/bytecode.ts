/**
 * @module
 * Compiles a checked expression to the evaluator's stack bytecode. Jumps are offsets from
 * the start of the rule's code. `a && b` becomes `a AND_JUMP(end) b AS_BOOL(&&) end:`, so
 * both engines short-circuit the same way and report the same operator on a type error.
 */
import { Op, Root } from '../bundle/format.js';
import { ByteWriter } from '../bundle/writer.js';
import type { Expr, Scalar } from './ast.js';

/** Where the compiler puts what it references: symbols, constants and globs. */
export interface CodeTables {
  symbol(s: string): number;
  constant(v: Scalar | Scalar[]): number;
  glob(pattern: string): number;
  regex(pattern: string): number;
}

const BINARY_OPS: Record<string, Op> = {
  '==': Op.Eq,
  '!=': Op.Ne,
  '<': Op.Lt,
  '<=': Op.Le,
  '>': Op.Gt,
  '>=': Op.Ge,
  in: Op.In,
  '+': Op.Add,
  '-': Op.Sub,
  '*': Op.Mul,
  '/': Op.Div,
};
const CALL_OPS = { startsWith: Op.StartsWith, endsWith: Op.EndsWith, contains: Op.Contains } as const;
const METHOD_OPS = { lowerAscii: Op.LowerAscii, upperAscii: Op.UpperAscii, trim: Op.Trim, size: Op.Size } as const;
const ROOTS = {
  agent: Root.Agent,
  action: Root.ActionAttrs,
  resource: Root.ResourceAttrs,
  params: Root.Params,
  context: Root.Context,
  delegation: Root.Delegation,
  now: Root.Now,
} as const;

/** Strings an expression needs in the symbol table. */
export function exprSymbols(e: Expr, add: (s: string) => void): void {
  switch (e.kind) {
    case 'literal':
      if (typeof e.value === 'string') add(e.value);
      return;
    case 'list':
      for (const item of e.items) if (typeof item === 'string') add(item);
      return;
    case 'path':
      add(e.text);
      for (const k of e.keys) add(k);
      return;
    case 'not':
    case 'negate':
      return exprSymbols(e.arg, add);
    case 'binary':
      exprSymbols(e.left, add);
      return exprSymbols(e.right, add);
    case 'call':
      exprSymbols(e.target, add);
      return exprSymbols(e.arg, add);
    case 'method':
      return exprSymbols(e.target, add);
    case 'macro':
      exprSymbols(e.target, add);
      return exprSymbols(e.body, add);
    case 'var':
      add(e.text);
      for (const k of e.keys) add(k);
      return;
  }
}

export function compileExpr(e: Expr, tables: CodeTables): Uint8Array {
  const w = new ByteWriter();
  emit(e, w, tables);
  w.u8(Op.End);
  return w.finish();
}

function emit(e: Expr, w: ByteWriter, t: CodeTables): void {
  switch (e.kind) {
    case 'literal':
      w.u8(Op.Const).u32(t.constant(e.value));
      return;
    case 'list':
      w.u8(Op.Const).u32(t.constant(e.items));
      return;
    case 'path': {
      if ((e.root === 'action' || e.root === 'resource') && e.keys.length === 1 && e.keys[0] === 'name') {
        w.u8(Op.Path)
          .u8(e.root === 'action' ? Root.ActionName : Root.ResourceName)
          .u32(t.symbol(e.text))
          .u8(0);
        return;
      }
      w.u8(Op.Path).u8(ROOTS[e.root]).u32(t.symbol(e.text)).u8(e.keys.length);
      for (const k of e.keys) w.u32(t.symbol(k));
      return;
    }
    case 'not':
      emit(e.arg, w, t);
      w.u8(Op.Not);
      return;
    case 'negate':
      emit(e.arg, w, t);
      w.u8(Op.Negate);
      return;
    case 'call':
      emit(e.target, w, t);
      if (e.fn === 'glob' || e.fn === 'matches') {
        const literal = (e.arg as { value: string }).value;
        w.u8(e.fn === 'glob' ? Op.Glob : Op.Matches).u32(e.fn === 'glob' ? t.glob(literal) : t.regex(literal));
        return;
      }
      emit(e.arg, w, t);
      w.u8(CALL_OPS[e.fn]);
      return;
    case 'method':
      emit(e.target, w, t);
      w.u8(METHOD_OPS[e.fn]);
      return;
    case 'var':
      w.u8(Op.Path)
        .u8(Root.Var + e.slot)
        .u32(t.symbol(e.text))
        .u8(e.keys.length);
      for (const k of e.keys) w.u32(t.symbol(k));
      return;
    case 'macro': {
      // The body is inline, so its jumps keep counting from the start of the rule's code.
      emit(e.target, w, t);
      w.u8(e.fn === 'exists' ? Op.Exists : Op.All).u8(e.slot);
      const at = w.length;
      w.u32(0);
      emit(e.body, w, t);
      w.u8(Op.End);
      w.patchU32(at, w.length - at - 4);
      return;
    }
    case 'binary': {
      if (e.op === '&&' || e.op === '||') {
        const jump = e.op === '&&' ? Op.AndJump : Op.OrJump;
        emit(e.left, w, t);
        w.u8(jump);
        const at = w.length;
        w.u32(0);
        emit(e.right, w, t);
        w.u8(Op.AsBool).u8(jump);
        w.patchU32(at, w.length);
        return;
      }
      emit(e.left, w, t);
      emit(e.right, w, t);
      w.u8(BINARY_OPS[e.op]);
      return;
    }
  }
}
