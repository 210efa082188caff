/**
 * Params schema checks, in the reference's order: schema params by name, then unknown
 * params in request order. The first violation is reported.
 */
import {
  ACTION_BYTES, PARAM_BYTES, PARAM_ENUM, PARAM_INTEGER, PARAM_MAX, PARAM_MAX_LENGTH, PARAM_MIN, PARAM_PATTERN,
  PARAM_REQUIRED, PV_ENUM, PV_INTEGER, PV_MAX, PV_MAX_LENGTH, PV_MIN, PV_PATTERN, PV_REQUIRED, PV_TYPE, PV_UNKNOWN,
  TAG_FALSE, TAG_LIST, TAG_NUMBER, TAG_OBJECT, TAG_STRING, TAG_TRUE,
} from './abi';
import { actionsAt, globAddr, globLen, paramsAt, valueAddr } from './bundle';
import { bytesEqual, codePointCount } from './bytes';
import { globMatch } from './glob';
import { objectGet, skipValue, symbolAt } from './values';

/** Set when `checkParams` finds a violation: its kind, and the param's symbol or key ordinal. */
export let violationKind: u32 = 0;
/** The param's name symbol, or `UNKNOWN_KEY | ordinal` for an unknown key. */
export let violationParam: u32 = 0;
export const UNKNOWN_KEY: u32 = 0x80000000;

const TYPE_TAGS: StaticArray<u32> = [TAG_STRING, TAG_NUMBER, TAG_TRUE, TAG_OBJECT, TAG_LIST];

function violate(kind: u32, param: u32): bool {
  violationKind = kind;
  violationParam = param;
  return true;
}

function valueEquals(a: u32, b: u32): bool {
  const ta = <u32>load<u8>(a);
  if (ta != <u32>load<u8>(b)) return false;
  if (ta == TAG_NUMBER) return load<f64>(a + 1) == load<f64>(b + 1);
  if (ta == TAG_STRING) {
    const sa = symbolAt(a + 1);
    const sb = symbolAt(b + 1);
    if (sa >= 0 || sb >= 0) return sa == sb;
    return bytesEqual(a + 9, load<u32>(a + 5), b + 9, load<u32>(b + 5));
  }
  return ta != TAG_LIST && ta != TAG_OBJECT;
}

function inList(list: u32, v: u32): bool {
  const count = load<u32>(list + 1);
  let q = list + 9;
  for (let i: u32 = 0; i < count; i++) {
    if (valueEquals(q, v)) return true;
    q = skipValue(q);
  }
  return false;
}

/** One schema against a present value; true when it is violated. */
function checkOne(p: u32, v: u32): bool {
  const name = load<u32>(p);
  const type = load<u32>(p + 4);
  const flags = load<u32>(p + 8);
  let tag = <u32>load<u8>(v);
  if (tag == TAG_FALSE) tag = TAG_TRUE;
  if (tag != unchecked(TYPE_TAGS[type])) return violate(PV_TYPE, name);
  if (tag == TAG_NUMBER) {
    const x = load<f64>(v + 1);
    if ((flags & PARAM_INTEGER) != 0 && !(Math.floor(x) == x && Math.abs(x) <= 9007199254740991.0)) return violate(PV_INTEGER, name);
    if ((flags & PARAM_MIN) != 0 && x < load<f64>(p + 16)) return violate(PV_MIN, name);
    if ((flags & PARAM_MAX) != 0 && x > load<f64>(p + 24)) return violate(PV_MAX, name);
  }
  if ((flags & PARAM_MAX_LENGTH) != 0) {
    const n = tag == TAG_LIST ? load<u32>(v + 1) : codePointCount(v + 9, load<u32>(v + 5));
    if (n > load<u32>(p + 12)) return violate(PV_MAX_LENGTH, name);
  }
  if ((flags & PARAM_ENUM) != 0 && !inList(valueAddr(<u32>load<i32>(p + 32)), v)) return violate(PV_ENUM, name);
  if ((flags & PARAM_PATTERN) != 0 && tag == TAG_STRING) {
    const g = <u32>load<i32>(p + 36);
    if (!globMatch(globAddr(g), globLen(g), v + 9, load<u32>(v + 5))) return violate(PV_PATTERN, name);
  }
  return false;
}

/** Checks `params` against action entry `entry`; true when a violation was recorded. */
export function checkParams(entry: u32, params: u32): bool {
  const a = actionsAt + entry * ACTION_BYTES;
  const at = load<i32>(a + 8);
  if (at < 0) return false;
  const count = load<u32>(a + 12);
  const first = paramsAt + <u32>at;
  for (let k: u32 = 0; k < count; k++) {
    const p = first + k * PARAM_BYTES;
    const v = objectGet(params, load<i32>(p));
    if (v == 0) {
      if ((load<u32>(p + 8) & PARAM_REQUIRED) != 0) return violate(PV_REQUIRED, load<u32>(p));
      continue;
    }
    if (checkOne(p, v)) return true;
  }
  if (load<u32>(a + 16) != 0) return false;
  // No additional params: every key must be a schema param.
  const keys = load<u32>(params + 1);
  let q = params + 9;
  for (let i: u32 = 0; i < keys; i++) {
    const sym = symbolAt(q);
    let known = false;
    for (let k: u32 = 0; k < count && sym >= 0; k++) {
      if (load<i32>(first + k * PARAM_BYTES) == sym) {
        known = true;
        break;
      }
    }
    if (!known) return violate(PV_UNKNOWN, UNKNOWN_KEY | i);
    q = skipValue(q + 8 + load<u32>(q + 4));
  }
  return false;
}
