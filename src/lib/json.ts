/**
 * @module
 * JSON values, and RFC 8785 (JCS) canonical JSON: object keys sorted by UTF-16 code units,
 * no whitespace, numbers and strings as ECMAScript serializes them. Equal values give equal
 * text, so a hash of it identifies params however their keys were ordered.
 */
import { TollgateError } from './errors.js';

/** Any value JSON can carry. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue };

/** How deep a value may nest; deeper input is refused (`request_invalid`), never a stack overflow. */
export const MAX_CANONICAL_DEPTH = 64;

/** The canonical JSON text of `value`. Throws `request_invalid` past `MAX_CANONICAL_DEPTH`. */
export function canonicalJson(value: JsonValue): string {
  return canonical(value, 0);
}

function canonical(value: JsonValue, depth: number): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value))
      throw new TypeError('canonical json has no NaN or Infinity');
    return JSON.stringify(value);
  }
  if (depth >= MAX_CANONICAL_DEPTH)
    throw new TollgateError('request_invalid', `value is nested deeper than ${MAX_CANONICAL_DEPTH}`);
  if (Array.isArray(value)) return `[${value.map((item) => canonical(item, depth + 1)).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k], depth + 1)}`).join(',')}}`;
}
