/**
 * @module
 * Compiles a parsed RE2 pattern to a Thompson NFA program, and runs it the way the WASM
 * evaluator does (`assembly/regex.ts`): a Pike VM over code points that keeps at most one
 * thread per instruction, so matching is O(pattern × text) whatever the pattern. `matches`
 * is a search: the pattern may match anywhere in the text, as in CEL and RE2.
 */
import { RegexOp } from '../bundle/format.js';
import { parseRegex, RegexSyntaxError, type AssertKind, type RegexNode } from './parse.js';

export const ASSERT_KINDS: readonly AssertKind[] = [
  'begin_text',
  'end_text',
  'begin_line',
  'end_line',
  'word_boundary',
  'not_word_boundary',
];

/** One instruction: Class (a = first range, b = range count), Split (a, b), Jump (a), Assert (a = kind). */
export interface RegexInst {
  op: RegexOp;
  a: number;
  b: number;
}

export interface RegexProgram {
  insts: RegexInst[];
  /** Flat [lo, hi] pairs that Class instructions point into. */
  ranges: number[];
}

/** A bound on program size, so a counted repetition can't blow up the bundle. */
export const MAX_REGEX_INSTS = 4000;

/** Parses and compiles a pattern; throws `RegexSyntaxError`. */
export function compileRegex(pattern: string): RegexProgram {
  const prog: RegexProgram = { insts: [], ranges: [] };
  emit(parseRegex(pattern), prog);
  prog.insts.push({ op: RegexOp.Match, a: 0, b: 0 });
  return prog;
}

function push(prog: RegexProgram, inst: RegexInst): number {
  if (prog.insts.length >= MAX_REGEX_INSTS)
    throw new RegexSyntaxError(`pattern is too large: it compiles to more than ${MAX_REGEX_INSTS} instructions`, 0);
  prog.insts.push(inst);
  return prog.insts.length - 1;
}

function emit(node: RegexNode, prog: RegexProgram): void {
  switch (node.kind) {
    case 'empty':
      return;
    case 'class': {
      push(prog, { op: RegexOp.Class, a: prog.ranges.length / 2, b: node.ranges.length });
      for (const [lo, hi] of node.ranges) prog.ranges.push(lo, hi);
      return;
    }
    case 'assert':
      push(prog, { op: RegexOp.Assert, a: ASSERT_KINDS.indexOf(node.assert), b: 0 });
      return;
    case 'concat':
      for (const item of node.items) emit(item, prog);
      return;
    case 'alt': {
      // split L1, next; L1: item; jump end; next: split ... — the last item needs no split.
      const jumps: number[] = [];
      node.items.forEach((item, k) => {
        if (k < node.items.length - 1) {
          const split = push(prog, { op: RegexOp.Split, a: 0, b: 0 });
          prog.insts[split].a = split + 1;
          emit(item, prog);
          jumps.push(push(prog, { op: RegexOp.Jump, a: 0, b: 0 }));
          prog.insts[split].b = prog.insts.length;
        } else {
          emit(item, prog);
        }
      });
      for (const j of jumps) prog.insts[j].a = prog.insts.length;
      return;
    }
    case 'repeat': {
      for (let k = 0; k < node.min; k++) emit(node.item, prog);
      if (node.max === null) {
        const loop = push(prog, { op: RegexOp.Split, a: 0, b: 0 });
        prog.insts[loop].a = loop + 1;
        emit(node.item, prog);
        push(prog, { op: RegexOp.Jump, a: loop, b: 0 });
        prog.insts[loop].b = prog.insts.length;
        return;
      }
      const splits: number[] = [];
      for (let k = node.min; k < node.max; k++) {
        const split = push(prog, { op: RegexOp.Split, a: 0, b: 0 });
        prog.insts[split].a = split + 1;
        splits.push(split);
        emit(node.item, prog);
      }
      for (const s of splits) prog.insts[s].b = prog.insts.length;
      return;
    }
  }
}

/** The program as u32 words, as the bundle stores it: inst count, range pair count, insts, ranges. */
export function encodeRegex(prog: RegexProgram): number[] {
  const words = [prog.insts.length, prog.ranges.length / 2];
  for (const inst of prog.insts) words.push(inst.op, inst.a, inst.b);
  words.push(...prog.ranges);
  return words;
}

const isWord = (c: number) =>
  (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || (c >= 0x61 && c <= 0x7a);

function assertHolds(kind: number, prev: number, next: number): boolean {
  switch (ASSERT_KINDS[kind]) {
    case 'begin_text':
      return prev < 0;
    case 'end_text':
      return next < 0;
    case 'begin_line':
      return prev < 0 || prev === 0x0a;
    case 'end_line':
      return next < 0 || next === 0x0a;
    case 'word_boundary':
      return (prev >= 0 && isWord(prev)) !== (next >= 0 && isWord(next));
    default:
      return (prev >= 0 && isWord(prev)) === (next >= 0 && isWord(next));
  }
}

function inClass(prog: RegexProgram, inst: RegexInst, c: number): boolean {
  for (let k = inst.a; k < inst.a + inst.b; k++) {
    if (c < prog.ranges[k * 2]) return false;
    if (c <= prog.ranges[k * 2 + 1]) return true;
  }
  return false;
}

/** Whether the pattern matches anywhere in `text`, in O(program × text) steps. */
export function regexMatch(prog: RegexProgram, text: string): boolean {
  const n = prog.insts.length;
  let current = new Int32Array(n);
  let next = new Int32Array(n);
  let currentCount = 0;
  let nextCount = 0;
  const onList = new Int32Array(n).fill(-1);
  const stack = new Int32Array(n * 2 + 1);
  const points = Array.from(text, (ch) => ch.codePointAt(0)!);
  let step = 0;

  /** Adds pc and everything reachable from it without reading; true when Match is reached. */
  const add = (list: Int32Array, count: number, pc0: number, prev: number, following: number): [number, boolean] => {
    let sp = 0;
    stack[sp++] = pc0;
    while (sp > 0) {
      const pc = stack[--sp];
      if (onList[pc] === step) continue;
      onList[pc] = step;
      const inst = prog.insts[pc];
      switch (inst.op) {
        case RegexOp.Match:
          return [count, true];
        case RegexOp.Jump:
          stack[sp++] = inst.a;
          break;
        case RegexOp.Split:
          stack[sp++] = inst.b;
          stack[sp++] = inst.a;
          break;
        case RegexOp.Assert:
          if (assertHolds(inst.a, prev, following)) stack[sp++] = pc + 1;
          break;
        default:
          list[count++] = pc;
      }
    }
    return [count, false];
  };

  for (let i = 0; i <= points.length; i++) {
    const prev = i > 0 ? points[i - 1] : -1;
    const c = i < points.length ? points[i] : -1;
    // Unanchored: a thread may start at every position.
    let found: boolean;
    [currentCount, found] = add(current, currentCount, 0, prev, c);
    if (found) return true;
    if (c < 0) break;
    step++;
    nextCount = 0;
    const after = i + 1 < points.length ? points[i + 1] : -1;
    for (let t = 0; t < currentCount; t++) {
      const pc = current[t];
      if (!inClass(prog, prog.insts[pc], c)) continue;
      [nextCount, found] = add(next, nextCount, pc + 1, c, after);
      if (found) return true;
    }
    [current, next] = [next, current];
    currentCount = nextCount;
  }
  return false;
}
