/**
 * The expression VM: runs one rule's bytecode over the current request with a fixed,
 * static stack. A missing attribute or a type error ends the run with an error result
 * (the rule doesn't match); a malformed program ends it with a fatal status.
 */
import {
  ERR_DIVISION_BY_ZERO, ERR_MISSING_ATTRIBUTE, ERR_TYPE_ERROR, OP_ADD, OP_AND_JUMP, OP_AS_BOOL, OP_CONST, OP_CONTAINS,
  OP_DIV, OP_END, OP_ENDS_WITH, OP_EQ, OP_GE, OP_GLOB, OP_GT, OP_IN, OP_LE, OP_LOWER_ASCII, OP_LT, OP_MATCHES, OP_MUL,
  OP_NE, OP_NEGATE, OP_NOT, OP_OR_JUMP, OP_SIZE, OP_TRIM, OP_UPPER_ASCII, OP_EXISTS, OP_ALL, ROOT_VAR, OP_PATH,
  OP_STARTS_WITH, OP_SUB, ROOT_ACTION_ATTRS, ROOT_ACTION_NAME, ROOT_AGENT, ROOT_CONTEXT, ROOT_DELEGATION, ROOT_NOW,
  ROOT_PARAMS, ROOT_RESOURCE_ATTRS, ROOT_RESOURCE_NAME, TAG_FALSE, TAG_LIST, TAG_NULL, TAG_NUMBER, TAG_OBJECT,
  TAG_STRING, TAG_TRUE, ContainerValue, NumberValue, StringValue,
} from './abi';
import { globAddr, globLen, valueAddr } from './bundle';
import { bytesCompare, bytesContain, bytesEndWith, bytesEqual, bytesStartWith } from './bytes';
import { globMatch } from './glob';
import { intern } from './intern';
import { regexMatch } from './regex';
import { encodedStringOf, objectGet, skipValue, symbolAt, valueTag } from './values';

export const RUN_FALSE: u32 = 0;
export const RUN_TRUE: u32 = 1;
export const RUN_ERROR: u32 = 2;
export const RUN_OVERFLOW: u32 = 3;

const STACK: u32 = 64;
const tags = memory.data(<i32>(STACK * 4), 4);
const nums = memory.data(<i32>(STACK * 8), 8);
const ptrs = memory.data(<i32>(STACK * 4), 4);
const lens = memory.data(<i32>(STACK * 4), 4);
const syms = memory.data(<i32>(STACK * 4), 4);
/** The element each enclosing macro has bound, by slot. */
const bound = memory.data(16, 4);

/** The request being decided, set by `decide` before rules run. */
export class Subject {
  static agentObj: u32 = 0;
  static paramsObj: u32 = 0;
  static contextObj: u32 = 0;
  static delegationObj: u32 = 0;
  static nowObj: u32 = 0;
  static actionAttrs: u32 = 0;
  static resourceAttrs: u32 = 0;
  static actionStr: u32 = 0;
  static actionLen: u32 = 0;
  static actionSym: i32 = -1;
  static resourceStr: u32 = 0;
  static resourceLen: u32 = 0;
  static resourceSym: i32 = -1;
}

/**
 * Where lowerAscii and upperAscii write the strings they make: reset at every run, so
 * nothing outlives one rule. A run that would overflow it ends with RUN_OVERFLOW (deny).
 */
export class Arena {
  static at: u32 = 0;
  static size: u32 = 0;
  static top: u32 = 0;
}

/** Set when a run ends in RUN_ERROR: the error kind and its detail (path symbol or opcode). */
export let errorKind: u32 = 0;
export let errorDetail: u32 = 0;

@inline function tagAt(i: u32): u32 { return load<u32>(tags + (i << 2)); }
@inline function numAt(i: u32): f64 { return load<f64>(nums + (i << 3)); }
@inline function ptrAt(i: u32): u32 { return load<u32>(ptrs + (i << 2)); }
@inline function lenAt(i: u32): u32 { return load<u32>(lens + (i << 2)); }
@inline function symAt(i: u32): i32 { return load<i32>(syms + (i << 2)); }
@inline function isBool(t: u32): bool { return t == TAG_TRUE || t == TAG_FALSE; }
@inline function setBool(i: u32, v: bool): void { store<u32>(tags + (i << 2), v ? TAG_TRUE : TAG_FALSE); }
@inline function setNum(i: u32, v: f64): void {
  store<u32>(tags + (i << 2), TAG_NUMBER);
  store<f64>(nums + (i << 3), v);
}
function setString(i: u32, p: u32, len: u32, sym: i32): void {
  store<u32>(tags + (i << 2), TAG_STRING);
  store<u32>(ptrs + (i << 2), p);
  store<u32>(lens + (i << 2), len);
  store<i32>(syms + (i << 2), sym);
}

/** Loads the encoded value at `addr` into slot `i`. */
function setValue(i: u32, addr: u32): void {
  const tag = valueTag(addr);
  if (tag == TAG_NUMBER) return setNum(i, NumberValue.number(addr));
  if (tag == TAG_STRING) {
    return setString(i, StringValue.after(addr), StringValue.length(addr), symbolAt(encodedStringOf(addr)));
  }
  store<u32>(tags + (i << 2), tag);
  store<u32>(ptrs + (i << 2), addr);
}

/**
 * String equality by symbol id when both are interned.
 * INVARIANT: every string is interned before it reaches a slot, so a string in the table
 * never equals one outside it.
 */
function stringsEqual(a: u32, b: u32): bool {
  const sa = symAt(a);
  const sb = symAt(b);
  if (sa >= 0 && sb >= 0) return sa == sb;
  if (sa >= 0 || sb >= 0) return false;
  return bytesEqual(ptrAt(a), lenAt(a), ptrAt(b), lenAt(b));
}

/** Same kind and equal, for scalars; lists and objects never reach here. */
function scalarsEqual(a: u32, b: u32): bool {
  const ta = tagAt(a);
  const tb = tagAt(b);
  if (ta == TAG_NUMBER) return tb == TAG_NUMBER && numAt(a) == numAt(b);
  if (ta == TAG_STRING) return tb == TAG_STRING && stringsEqual(a, b);
  return ta == tb;
}

function fail(kind: u32, detail: u32): u32 {
  errorKind = kind;
  errorDetail = detail;
  return RUN_ERROR;
}

function rootValue(root: u32): u32 {
  if (root == ROOT_AGENT) return Subject.agentObj;
  if (root == ROOT_ACTION_ATTRS) return Subject.actionAttrs;
  if (root == ROOT_RESOURCE_ATTRS) return Subject.resourceAttrs;
  if (root == ROOT_PARAMS) return Subject.paramsObj;
  if (root == ROOT_CONTEXT) return Subject.contextObj;
  if (root == ROOT_DELEGATION) return Subject.delegationObj;
  if (root == ROOT_NOW) return Subject.nowObj;
  return 0;
}

/** Membership of the scalar in slot `a` in the list value in slot `b`. */
function listContains(a: u32, b: u32): bool {
  const list = ptrAt(b);
  const count = ContainerValue.count(list);
  let q = ContainerValue.after(list);
  const probe = STACK - 1;
  for (let i: u32 = 0; i < count; i++) {
    const tag = valueTag(q);
    if (tag != TAG_LIST && tag != TAG_OBJECT) {
      setValue(probe, q);
      if (scalarsEqual(a, probe)) return true;
    }
    q = skipValue(q);
  }
  return false;
}

function codePoints(p: u32, len: u32): u32 {
  let n: u32 = 0;
  // Count every byte that does not continue a UTF-8 sequence.
  for (let i: u32 = 0; i < len; i++) if ((load<u8>(p + i) & 0xc0) != 0x80) n++;
  return n;
}

@inline function isTrimmed(b: u8): bool {
  return b == 0x20 || (b >= 0x09 && b <= 0x0d);
}

/** Trims, lowers or uppers (ASCII only) the string in slot i; false when the arena is full. */
function transform(op: u8, i: u32): bool {
  let p = ptrAt(i);
  let len = lenAt(i);
  if (op == OP_TRIM) {
    while (len > 0 && isTrimmed(load<u8>(p))) { p++; len--; }
    while (len > 0 && isTrimmed(load<u8>(p + len - 1))) len--;
    setString(i, p, len, len == lenAt(i) ? symAt(i) : intern(p, len));
    return true;
  }
  if (Arena.size - Arena.top < len) return false;
  const out = Arena.at + Arena.top;
  Arena.top += len;
  const lo: u8 = op == OP_LOWER_ASCII ? 0x41 : 0x61;
  for (let k: u32 = 0; k < len; k++) {
    const b = load<u8>(p + k);
    store<u8>(out + k, b >= lo && b <= lo + 25 ? b ^ 0x20 : b);
  }
  setString(i, out, len, intern(out, len));
  return true;
}

/** Runs the validated program at `code`; returns RUN_TRUE, RUN_FALSE, RUN_ERROR or RUN_OVERFLOW. */
export function run(code: u32): u32 {
  Arena.top = 0;
  return runBlock(code, code, 0, OP_END);
}

/**
 * `exists` or `all` over the list in slot `top`, running the body once per element, CEL's
 * way: a decisive element (true for exists, false for all) decides whatever the order;
 * failing that, the first error stands.
 */
function runMacro(op: u8, code: u32, body: u32, slot: u32, top: u32): u32 {
  const exists = op == OP_EXISTS;
  const list = ptrAt(top);
  const count = ContainerValue.count(list);
  let q = ContainerValue.after(list);
  let failed = false;
  let kind: u32 = 0;
  let detail: u32 = 0;
  for (let i: u32 = 0; i < count; i++) {
    store<u32>(bound + slot * 4, q);
    const r = runBlock(code, body, top + 1, op);
    if (r == RUN_OVERFLOW) return r;
    if (r == RUN_ERROR) {
      if (!failed) {
        failed = true;
        kind = errorKind;
        detail = errorDetail;
      }
    } else if ((r == RUN_TRUE) == exists) {
      setBool(top, exists);
      return RUN_TRUE;
    }
    q = skipValue(q);
  }
  if (failed) return fail(kind, detail);
  setBool(top, !exists);
  return RUN_TRUE;
}

/**
 * Runs code from `start` with the stack from slot `base`, until End leaves one boolean.
 * Jumps count from `code`, the rule's code. `endOp` is what a non-boolean result reports.
 */
function runBlock(code: u32, start: u32, base: u32, endOp: u8): u32 {
  let pc = start;
  let sp = base;
  while (true) {
    const op = load<u8>(pc++);
    if (op == OP_END) {
      if (sp != base + 1) return RUN_OVERFLOW;
      const t = tagAt(base);
      if (!isBool(t)) return fail(ERR_TYPE_ERROR, endOp);
      return t == TAG_TRUE ? RUN_TRUE : RUN_FALSE;
    }
    if (op == OP_CONST || op == OP_PATH) {
      if (sp >= STACK - 1) return RUN_OVERFLOW;
      if (op == OP_CONST) {
        setValue(sp++, valueAddr(load<u32>(pc)));
        pc += 4;
        continue;
      }
      const root = <u32>load<u8>(pc);
      const text = load<u32>(pc + 1);
      const n = <u32>load<u8>(pc + 5);
      pc += 6;
      if (root == ROOT_ACTION_NAME) {
        setString(sp++, Subject.actionStr, Subject.actionLen, Subject.actionSym);
        continue;
      }
      if (root == ROOT_RESOURCE_NAME) {
        setString(sp++, Subject.resourceStr, Subject.resourceLen, Subject.resourceSym);
        continue;
      }
      const isVar = root >= ROOT_VAR;
      let v = isVar ? load<u32>(bound + (root - ROOT_VAR) * 4) : rootValue(root);
      for (let k: u32 = 0; k < n; k++) {
        v = objectGet(v, load<i32>(pc + k * 4));
        if (v == 0) break;
      }
      pc += n * 4;
      // A root alone (`params`) names nothing; a bound variable alone is its element.
      if (v == 0 || (n == 0 && !isVar)) return fail(ERR_MISSING_ATTRIBUTE, text);
      setValue(sp++, v);
      continue;
    }
    if (sp == base) return RUN_OVERFLOW;
    const top = sp - 1;
    const t = tagAt(top);
    if (op == OP_NOT) {
      if (!isBool(t)) return fail(ERR_TYPE_ERROR, op);
      setBool(top, t == TAG_FALSE);
    } else if (op == OP_NEGATE) {
      if (t != TAG_NUMBER) return fail(ERR_TYPE_ERROR, op);
      setNum(top, -numAt(top));
    } else if (op == OP_AS_BOOL) {
      const which = <u32>load<u8>(pc++);
      if (!isBool(t)) return fail(ERR_TYPE_ERROR, which);
    } else if (op == OP_AND_JUMP || op == OP_OR_JUMP) {
      if (!isBool(t)) return fail(ERR_TYPE_ERROR, op);
      const target = load<u32>(pc);
      pc += 4;
      if ((t == TAG_FALSE) == (op == OP_AND_JUMP)) pc = code + target;
      else sp--;
    } else if (op == OP_GLOB || op == OP_MATCHES) {
      const id = load<u32>(pc);
      pc += 4;
      if (t != TAG_STRING) return fail(ERR_TYPE_ERROR, op);
      const p = ptrAt(top);
      const hit = op == OP_GLOB ? globMatch(globAddr(id), globLen(id), p, lenAt(top)) : regexMatch(id, p, lenAt(top));
      setBool(top, hit);
    } else if (op == OP_SIZE) {
      if (t == TAG_LIST) setNum(top, <f64>ContainerValue.count(ptrAt(top)));
      else if (t == TAG_STRING) setNum(top, <f64>codePoints(ptrAt(top), lenAt(top)));
      else return fail(ERR_TYPE_ERROR, op);
    } else if (op == OP_EXISTS || op == OP_ALL) {
      const slot = <u32>load<u8>(pc);
      const body = pc + 5;
      pc = body + load<u32>(pc + 1);
      if (t != TAG_LIST) return fail(ERR_TYPE_ERROR, op);
      const r = runMacro(op, code, body, slot, top);
      if (r != RUN_TRUE) return r;
    } else if (op == OP_TRIM || op == OP_LOWER_ASCII || op == OP_UPPER_ASCII) {
      if (t != TAG_STRING) return fail(ERR_TYPE_ERROR, op);
      if (!transform(op, top)) return RUN_OVERFLOW;
    } else {
      if (sp < base + 2) return RUN_OVERFLOW;
      const a = sp - 2;
      const r = binary(op, a, top);
      if (r != RUN_TRUE) return r;
      sp--;
    }
  }
  return RUN_OVERFLOW;
}

/** Applies a binary operator to slots a and b, leaving the result in a. */
function binary(op: u8, a: u32, b: u32): u32 {
  const ta = tagAt(a);
  const tb = tagAt(b);
  if (op == OP_EQ || op == OP_NE) {
    let eq: bool;
    if (ta == TAG_NULL || tb == TAG_NULL) eq = ta == tb;
    else {
      const kindA = isBool(ta) ? TAG_TRUE : ta;
      const kindB = isBool(tb) ? TAG_TRUE : tb;
      if (kindA != kindB || ta == TAG_LIST || ta == TAG_OBJECT) return fail(ERR_TYPE_ERROR, op);
      eq = scalarsEqual(a, b);
    }
    setBool(a, op == OP_EQ ? eq : !eq);
    return RUN_TRUE;
  }
  if (op == OP_IN) {
    if (tb != TAG_LIST || ta == TAG_LIST || ta == TAG_OBJECT) return fail(ERR_TYPE_ERROR, op);
    setBool(a, listContains(a, b));
    return RUN_TRUE;
  }
  if (op >= OP_ADD && op <= OP_DIV) {
    if (ta != TAG_NUMBER || tb != TAG_NUMBER) return fail(ERR_TYPE_ERROR, op);
    const x = numAt(a);
    const y = numAt(b);
    if (op == OP_ADD) setNum(a, x + y);
    else if (op == OP_SUB) setNum(a, x - y);
    else if (op == OP_MUL) setNum(a, x * y);
    else {
      if (y == 0) return fail(ERR_DIVISION_BY_ZERO, op);
      setNum(a, x / y);
    }
    return RUN_TRUE;
  }
  if (op >= OP_LT && op <= OP_GE) {
    if (ta == TAG_NUMBER && tb == TAG_NUMBER) {
      const x = numAt(a);
      const y = numAt(b);
      setBool(a, op == OP_LT ? x < y : op == OP_LE ? x <= y : op == OP_GT ? x > y : x >= y);
      return RUN_TRUE;
    }
    if (ta != TAG_STRING || tb != TAG_STRING) return fail(ERR_TYPE_ERROR, op);
    const c = bytesCompare(ptrAt(a), lenAt(a), ptrAt(b), lenAt(b));
    setBool(a, op == OP_LT ? c < 0 : op == OP_LE ? c <= 0 : op == OP_GT ? c > 0 : c >= 0);
    return RUN_TRUE;
  }
  // startsWith, endsWith, contains
  if (ta != TAG_STRING || tb != TAG_STRING) return fail(ERR_TYPE_ERROR, op);
  const pa = ptrAt(a);
  const la = lenAt(a);
  const pb = ptrAt(b);
  const lb = lenAt(b);
  if (op == OP_STARTS_WITH) setBool(a, bytesStartWith(pa, la, pb, lb));
  else if (op == OP_ENDS_WITH) setBool(a, bytesEndWith(pa, la, pb, lb));
  else setBool(a, bytesContain(pa, la, pb, lb));
  return RUN_TRUE;
}
