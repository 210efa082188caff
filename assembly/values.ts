/**
 * Reading encoded values (bundle constants and request values) in place.
 * `validateValue` proves a value lies inside its bounds once; later reads trust that.
 */
import { MAX_VALUE_DEPTH, TAG_LIST, TAG_NUMBER, TAG_OBJECT, TAG_STRING, TAG_TRUE } from './abi';
import { intern } from './intern';

/** Symbol count of the loaded bundle; string symbols must be -1 or below it. */
export let symbolLimit: i32 = 0;
export function setSymbolLimit(n: i32): void {
  symbolLimit = n;
}

/**
 * While set, validation marks every string it meets as not yet interned (request values);
 * else it checks their ids (bundle constants). Request strings are interned on first use,
 * so strings no rule ever looks at cost nothing.
 */
let interning = false;
export function setInterning(on: bool): void {
  interning = on;
}
export const NOT_INTERNED: i32 = -2;

/** The symbol id of the encoded string at `p` (sym, len, bytes), interning it on first use. */
export function symbolAt(p: u32): i32 {
  let sym = load<i32>(p);
  if (sym == NOT_INTERNED) {
    sym = intern(p + 8, load<u32>(p + 4));
    store<i32>(p, sym);
  }
  return sym;
}

/** Validates an encoded string (sym, len, bytes) at `p`; returns its end, or 0. */
export function validateString(p: u32, end: u32): u32 {
  if (p > end || end - p < 8) return 0;
  const len = load<u32>(p + 4);
  if (len > end - p - 8) return 0;
  if (interning) store<i32>(p, NOT_INTERNED);
  else {
    const sym = load<i32>(p);
    if (sym < -1 || sym >= symbolLimit) return 0;
  }
  return p + 8 + len;
}

/** Validates the value at `p` and everything inside it; returns its end, or 0. */
export function validateValue(p: u32, end: u32, depth: u32): u32 {
  if (depth > MAX_VALUE_DEPTH || p >= end) return 0;
  const tag = <u32>load<u8>(p);
  if (tag <= TAG_TRUE) return p + 1;
  if (tag == TAG_NUMBER) return end - p >= 9 ? p + 9 : 0;
  if (tag == TAG_STRING) return validateString(p + 1, end);
  if (tag != TAG_LIST && tag != TAG_OBJECT) return 0;
  if (end - p < 9) return 0;
  const count = load<u32>(p + 1);
  const size = load<u32>(p + 5);
  if (size > end - p - 9) return 0;
  const bodyEnd = p + 9 + size;
  let q = p + 9;
  for (let i: u32 = 0; i < count; i++) {
    if (tag == TAG_OBJECT) {
      q = validateString(q, bodyEnd);
      if (q == 0) return 0;
    }
    q = validateValue(q, bodyEnd, depth + 1);
    if (q == 0) return 0;
  }
  return q == bodyEnd ? bodyEnd : 0;
}

/** The end of a validated value. */
export function skipValue(p: u32): u32 {
  const tag = <u32>load<u8>(p);
  if (tag <= TAG_TRUE) return p + 1;
  if (tag == TAG_NUMBER) return p + 9;
  if (tag == TAG_STRING) return p + 9 + load<u32>(p + 5);
  return p + 9 + load<u32>(p + 5);
}

/**
 * The value of `key` in the object at `obj`, or 0 when absent (or `obj` is no object).
 * INVARIANT: every key is interned before it is compared, so comparing symbol ids is
 * exact: a key outside the table (-1) can never equal a path key.
 */
export function objectGet(obj: u32, key: i32): u32 {
  if (obj == 0 || <u32>load<u8>(obj) != TAG_OBJECT) return 0;
  const count = load<u32>(obj + 1);
  let q = obj + 9;
  for (let i: u32 = 0; i < count; i++) {
    const v = q + 8 + load<u32>(q + 4);
    if (symbolAt(q) == key) return v;
    q = skipValue(v);
  }
  return 0;
}
