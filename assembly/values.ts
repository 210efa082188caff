/**
 * Reading encoded values (bundle constants and request values) in place.
 * `validateValue` proves a value lies inside its bounds once; later reads trust that.
 */
import {
  ContainerValue, EncodedString, MAX_VALUE_DEPTH, NumberValue, StringValue, TAG_LIST, TAG_NUMBER, TAG_OBJECT,
  TAG_STRING, TAG_TRUE,
} from './abi';
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

/** A value's tag (`TAG_*`): its first byte. */
@inline export function valueTag(v: u32): u32 {
  return <u32>load<u8>(v);
}

/** A string value's encoded string: right after its tag. */
@inline export function encodedStringOf(v: u32): u32 {
  return v + 1;
}

/** The value after an object key (an `EncodedString` and its bytes). */
@inline export function afterKey(q: u32): u32 {
  return EncodedString.after(q) + EncodedString.length(q);
}

/** The symbol id of the encoded string at `p` (sym, len, bytes), interning it on first use. */
export function symbolAt(p: u32): i32 {
  let sym = EncodedString.symbol(p);
  if (sym == NOT_INTERNED) {
    sym = intern(EncodedString.after(p), EncodedString.length(p));
    store<i32>(p, sym);
  }
  return sym;
}

/** Validates an encoded string (sym, len, bytes) at `p`; returns its end, or 0. */
export function validateString(p: u32, end: u32): u32 {
  if (p > end || end - p < 8) return 0;
  const len = EncodedString.length(p);
  if (len > end - EncodedString.after(p)) return 0;
  if (interning) store<i32>(p, NOT_INTERNED);
  else {
    const sym = EncodedString.symbol(p);
    if (sym < -1 || sym >= symbolLimit) return 0;
  }
  return EncodedString.after(p) + len;
}

/** Validates the value at `p` and everything inside it; returns its end, or 0. */
export function validateValue(p: u32, end: u32, depth: u32): u32 {
  if (depth > MAX_VALUE_DEPTH || p >= end) return 0;
  const tag = valueTag(p);
  if (tag <= TAG_TRUE) return p + 1;
  if (tag == TAG_NUMBER) return end - p >= 9 ? NumberValue.after(p) : 0;
  if (tag == TAG_STRING) return validateString(encodedStringOf(p), end);
  if (tag != TAG_LIST && tag != TAG_OBJECT) return 0;
  if (end - p < 9) return 0;
  const count = ContainerValue.count(p);
  const size = ContainerValue.bodyBytes(p);
  if (size > end - ContainerValue.after(p)) return 0;
  const bodyEnd = ContainerValue.after(p) + size;
  let q = ContainerValue.after(p);
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
  const tag = valueTag(p);
  if (tag <= TAG_TRUE) return p + 1;
  if (tag == TAG_NUMBER) return NumberValue.after(p);
  if (tag == TAG_STRING) return StringValue.after(p) + StringValue.length(p);
  return ContainerValue.after(p) + ContainerValue.bodyBytes(p);
}

/**
 * The value of `key` in the object at `obj`, or 0 when absent (or `obj` is no object).
 * INVARIANT: every key is interned before it is compared, so comparing symbol ids is
 * exact: a key outside the table (-1) can never equal a path key.
 */
export function objectGet(obj: u32, key: i32): u32 {
  if (obj == 0 || valueTag(obj) != TAG_OBJECT) return 0;
  const count = ContainerValue.count(obj);
  let q = ContainerValue.after(obj);
  for (let i: u32 = 0; i < count; i++) {
    const v = afterKey(q);
    if (symbolAt(q) == key) return v;
    q = skipValue(v);
  }
  return 0;
}
