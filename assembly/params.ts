/**
 * Params schema checks, in the reference's order: schema params by name, then unknown
 * params in request order. The first violation is reported.
 */
import {
  ActionEntry, ContainerValue, EncodedString, NumberValue, PARAM_ENUM, ParamSchema, StringValue, PARAM_INTEGER,
  PARAM_MAX, PARAM_MAX_LENGTH, PARAM_MIN, PARAM_PATTERN, PARAM_REQUIRED, PV_ENUM, PV_INTEGER, PV_MAX, PV_MAX_LENGTH,
  PV_MIN, PV_PATTERN, PV_REQUIRED, PV_TYPE, PV_UNKNOWN, TAG_FALSE, TAG_LIST, TAG_NUMBER, TAG_OBJECT, TAG_STRING,
  TAG_TRUE,
} from './abi';
import { actionsAt, globAddr, globLen, paramsAt, valueAddr } from './bundle';
import { bytesEqual, codePointCount } from './bytes';
import { globMatch } from './glob';
import { encodedStringOf, objectGet, skipValue, symbolAt } from './values';

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
  if (ta == TAG_NUMBER) return NumberValue.number(a) == NumberValue.number(b);
  if (ta == TAG_STRING) {
    const sa = symbolAt(encodedStringOf(a));
    const sb = symbolAt(encodedStringOf(b));
    if (sa >= 0 || sb >= 0) return sa == sb;
    return bytesEqual(StringValue.after(a), StringValue.length(a), StringValue.after(b), StringValue.length(b));
  }
  return ta != TAG_LIST && ta != TAG_OBJECT;
}

function inList(list: u32, v: u32): bool {
  const count = ContainerValue.count(list);
  let q = ContainerValue.after(list);
  for (let i: u32 = 0; i < count; i++) {
    if (valueEquals(q, v)) return true;
    q = skipValue(q);
  }
  return false;
}

/** One schema against a present value; true when it is violated. */
function checkOne(p: u32, v: u32): bool {
  const name = ParamSchema.name(p);
  const type = ParamSchema.type(p);
  const flags = ParamSchema.flags(p);
  let tag = <u32>load<u8>(v);
  if (tag == TAG_FALSE) tag = TAG_TRUE;
  if (tag != unchecked(TYPE_TAGS[type])) return violate(PV_TYPE, name);
  if (tag == TAG_NUMBER) {
    const x = NumberValue.number(v);
    const integer = Math.floor(x) == x && Math.abs(x) <= 9007199254740991.0;
    if ((flags & PARAM_INTEGER) != 0 && !integer) return violate(PV_INTEGER, name);
    if ((flags & PARAM_MIN) != 0 && x < ParamSchema.min(p)) return violate(PV_MIN, name);
    if ((flags & PARAM_MAX) != 0 && x > ParamSchema.max(p)) return violate(PV_MAX, name);
  }
  if ((flags & PARAM_MAX_LENGTH) != 0) {
    const n = tag == TAG_LIST ? ContainerValue.count(v) : codePointCount(StringValue.after(v), StringValue.length(v));
    if (n > ParamSchema.maxLength(p)) return violate(PV_MAX_LENGTH, name);
  }
  if ((flags & PARAM_ENUM) != 0 && !inList(valueAddr(<u32>ParamSchema.enumValues(p)), v)) return violate(PV_ENUM, name);
  if ((flags & PARAM_PATTERN) != 0 && tag == TAG_STRING) {
    const g = <u32>ParamSchema.pattern(p);
    const matches = globMatch(globAddr(g), globLen(g), StringValue.after(v), StringValue.length(v));
    if (!matches) return violate(PV_PATTERN, name);
  }
  return false;
}

/** Checks `params` against action entry `entry`; true when a violation was recorded. */
export function checkParams(entry: u32, params: u32): bool {
  const a = ActionEntry.at(actionsAt, entry);
  const at = ActionEntry.paramsAt(a);
  if (at < 0) return false;
  const count = ActionEntry.paramCount(a);
  const first = paramsAt + <u32>at;
  for (let k: u32 = 0; k < count; k++) {
    const p = ParamSchema.at(first, k);
    const v = objectGet(params, <i32>ParamSchema.name(p));
    if (v == 0) {
      if ((ParamSchema.flags(p) & PARAM_REQUIRED) != 0) return violate(PV_REQUIRED, ParamSchema.name(p));
      continue;
    }
    if (checkOne(p, v)) return true;
  }
  if (ActionEntry.additionalParams(a) != 0) return false;
  // No additional params: every key must be a schema param.
  const keys = ContainerValue.count(params);
  let q = ContainerValue.after(params);
  for (let i: u32 = 0; i < keys; i++) {
    const sym = symbolAt(q);
    let known = false;
    for (let k: u32 = 0; k < count && sym >= 0; k++) {
      if (<i32>ParamSchema.name(ParamSchema.at(first, k)) == sym) {
        known = true;
        break;
      }
    }
    if (!known) return violate(PV_UNKNOWN, UNKNOWN_KEY | i);
    q = skipValue(EncodedString.after(q) + EncodedString.length(q));
  }
  return false;
}
