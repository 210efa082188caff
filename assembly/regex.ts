/**
 * `matches`: the bundle's compiled RE2 programs, run as a Pike VM over the UTF-8 text's
 * code points. At most one thread per instruction is alive at a time, so a match costs
 * O(program × text) whatever the pattern; `src/policy/regex/program.ts` is the same
 * machine in TypeScript. The work lists are sized once, for the largest program.
 */
import {
  HEADER_BYTES, RX_ASSERT, RX_BEGIN_LINE, RX_BEGIN_TEXT, RX_CLASS, RX_END_LINE, RX_END_TEXT, RX_JUMP, RX_MATCH,
  RX_NOT_WORD_BOUNDARY, RX_SPLIT, SEC_REGEXES, ClassRange, RegexInstruction, RegexProgram, Span,
} from './abi';

let tableAt: u32 = 0;
let dataAt: u32 = 0;
export let regexCount: u32 = 0;
/** Instructions in the largest program: the work lists' size. */
export let maxInsts: u32 = 0;

let current: u32 = 0;
let next: u32 = 0;
let onList: u32 = 0;
let stack: u32 = 0;
let step: u32 = 0;

/** Reads and validates the regex section; false when any program could misbehave. */
export function loadRegexes(base: u32, len: u32): bool {
  const entry = Span.at(base + HEADER_BYTES, SEC_REGEXES);
  const off = Span.offset(entry);
  const size = Span.length(entry);
  if (off > len || size > len - off || size < 4) return false;
  tableAt = base + off + 4;
  regexCount = load<u32>(tableAt - 4);
  if (regexCount > (size - 4) / 8) return false;
  dataAt = Span.at(tableAt, regexCount);
  const dataLen = size - 4 - regexCount * Span.size();
  maxInsts = 0;
  for (let r: u32 = 0; r < regexCount; r++) {
    const span = Span.at(tableAt, r);
    const at = Span.offset(span);
    const bytes = Span.length(span);
    if (at > dataLen || bytes > dataLen - at || bytes < 8) return false;
    if (!programOk(dataAt + at, bytes)) return false;
    const n = RegexProgram.instructionCount(dataAt + at);
    if (n > maxInsts) maxInsts = n;
  }
  return true;
}

function programOk(p: u32, bytes: u32): bool {
  const n = RegexProgram.instructionCount(p);
  const ranges = RegexProgram.rangeCount(p);
  if (n == 0 || n > 100000 || ranges > 1000000) return false;
  const expected = <u64>RegexProgram.size() + <u64>n * RegexInstruction.size() + <u64>ranges * ClassRange.size();
  if (<u64>bytes != expected) return false;
  for (let pc: u32 = 0; pc < n; pc++) {
    const at = RegexInstruction.at(RegexProgram.after(p), pc);
    const op = RegexInstruction.op(at);
    const a = RegexInstruction.a(at);
    const b = RegexInstruction.b(at);
    if (op == RX_CLASS) {
      if (a > ranges || b > ranges - a) return false;
    } else if (op == RX_SPLIT) {
      if (a >= n || b >= n) return false;
    } else if (op == RX_JUMP) {
      if (a >= n) return false;
    } else if (op == RX_ASSERT) {
      if (a > RX_NOT_WORD_BOUNDARY) return false;
    } else if (op != RX_MATCH) {
      return false;
    }
    // No instruction may fall through past the end.
    if (pc == n - 1 && op != RX_MATCH && op != RX_JUMP && op != RX_SPLIT) return false;
  }
  return true;
}

/** Bytes of work space the loaded programs need. */
export function regexWorkBytes(): u32 {
  return maxInsts * 20 + 8;
}

/** Adopts the work space reserved for `regexWorkBytes()`. */
export function setRegexWork(at: u32): void {
  current = at;
  next = at + maxInsts * 4;
  onList = next + maxInsts * 4;
  stack = onList + maxInsts * 4;
  memory.fill(onList, 0xff, maxInsts * 4);
  step = 0;
}

@inline function isWord(c: i32): bool {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || c == 0x5f || (c >= 0x61 && c <= 0x7a);
}

function assertHolds(kind: u32, prev: i32, following: i32): bool {
  if (kind == RX_BEGIN_TEXT) return prev < 0;
  if (kind == RX_END_TEXT) return following < 0;
  if (kind == RX_BEGIN_LINE) return prev < 0 || prev == 0x0a;
  if (kind == RX_END_LINE) return following < 0 || following == 0x0a;
  const boundary = (prev >= 0 && isWord(prev)) != (following >= 0 && isWord(following));
  return kind == RX_NOT_WORD_BOUNDARY ? !boundary : boundary;
}

let prog: u32 = 0;
let rangesAt: u32 = 0;
let listCount: u32 = 0;

/** Adds pc and what it reaches without reading to `list`; true when it reaches Match. */
function addThread(list: u32, pc0: u32, prev: i32, following: i32): bool {
  let sp: u32 = 0;
  store<u32>(stack, pc0);
  sp = 1;
  while (sp > 0) {
    sp--;
    const pc = load<u32>(stack + sp * 4);
    if (load<u32>(onList + pc * 4) == step) continue;
    store<u32>(onList + pc * 4, step);
    const at = instruction(pc);
    const op = RegexInstruction.op(at);
    if (op == RX_MATCH) return true;
    if (op == RX_JUMP) {
      store<u32>(stack + sp * 4, RegexInstruction.a(at));
      sp++;
    } else if (op == RX_SPLIT) {
      store<u32>(stack + sp * 4, RegexInstruction.b(at));
      store<u32>(stack + sp * 4 + 4, RegexInstruction.a(at));
      sp += 2;
    } else if (op == RX_ASSERT) {
      if (assertHolds(RegexInstruction.a(at), prev, following)) {
        store<u32>(stack + sp * 4, pc + 1);
        sp++;
      }
    } else {
      store<u32>(list + listCount * 4, pc);
      listCount++;
    }
  }
  return false;
}

/** Instruction `pc` of the running program. */
@inline function instruction(pc: u32): u32 {
  return RegexInstruction.at(RegexProgram.after(prog), pc);
}

function inClass(pc: u32, c: i32): bool {
  const at = instruction(pc);
  const first = RegexInstruction.a(at);
  const count = RegexInstruction.b(at);
  for (let k: u32 = 0; k < count; k++) {
    const r = ClassRange.at(rangesAt, first + k);
    if (c < ClassRange.low(r)) return false;
    if (c <= ClassRange.high(r)) return true;
  }
  return false;
}

/** Decodes the code point at p (the text is valid UTF-8); its length goes to `cpLen`. */
let cpLen: u32 = 0;
function decode(p: u32, end: u32): i32 {
  if (p >= end) {
    cpLen = 0;
    return -1;
  }
  const b0 = <i32>load<u8>(p);
  if (b0 < 0x80) {
    cpLen = 1;
    return b0;
  }
  if (b0 < 0xe0 && p + 1 < end) {
    cpLen = 2;
    return ((b0 & 0x1f) << 6) | (<i32>load<u8>(p + 1) & 0x3f);
  }
  if (b0 < 0xf0 && p + 2 < end) {
    cpLen = 3;
    return ((b0 & 0x0f) << 12) | ((<i32>load<u8>(p + 1) & 0x3f) << 6) | (<i32>load<u8>(p + 2) & 0x3f);
  }
  if (p + 3 < end) {
    cpLen = 4;
    const b1 = <i32>load<u8>(p + 1) & 0x3f;
    return ((b0 & 0x07) << 18) | (b1 << 12) | ((<i32>load<u8>(p + 2) & 0x3f) << 6) | (<i32>load<u8>(p + 3) & 0x3f);
  }
  cpLen = 1;
  return b0;
}

/** Bumps the list generation; on wrap-around the marks are cleared. */
function nextStep(): void {
  step++;
  if (step == 0xffffffff) {
    memory.fill(onList, 0xff, maxInsts * 4);
    step = 0;
  }
}

/** Whether regex `id` matches anywhere in the `len` bytes at `p`. */
export function regexMatch(id: u32, p: u32, len: u32): bool {
  prog = dataAt + Span.offset(Span.at(tableAt, id));
  rangesAt = RegexInstruction.at(RegexProgram.after(prog), RegexProgram.instructionCount(prog));
  const end = p + len;
  let cur = current;
  let nxt = next;
  let curCount: u32 = 0;
  nextStep();
  let prev: i32 = -1;
  let q = p;
  let c = decode(q, end);
  let cLen = cpLen;
  while (true) {
    // Unanchored: a thread may start at every position.
    listCount = curCount;
    if (addThread(cur, 0, prev, c)) return true;
    curCount = listCount;
    if (c < 0) return false;
    nextStep();
    const after = decode(q + cLen, end);
    const afterLen = cpLen;
    listCount = 0;
    for (let t: u32 = 0; t < curCount; t++) {
      const pc = load<u32>(cur + t * 4);
      if (inClass(pc, c) && addThread(nxt, pc + 1, c, after)) return true;
    }
    curCount = listCount;
    const swap = cur;
    cur = nxt;
    nxt = swap;
    prev = c;
    q += cLen;
    c = after;
    cLen = afterLen;
  }
  return false;
}
