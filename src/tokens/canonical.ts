/**
 * @module
 * RFC 8785 (JCS) canonical JSON: object keys sorted by UTF-16 code units, no whitespace,
 * numbers and strings as ECMAScript serializes them. Equal values give equal text, so a
 * hash of it identifies params however their keys were ordered.
 */
import type { JsonValue } from '../policy/decision.js';
import { sha256Hex } from '../policy/bundle/sha256.js';
import { TollgateError } from '../policy/errors.js';

/** How deep a value may nest; deeper input is refused (`request_invalid`), never a stack overflow. */
export const MAX_CANONICAL_DEPTH = 64;

export function canonicalJson(value: JsonValue): string {
  return canonical(value, 0);
}

function canonical(value: JsonValue, depth: number): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError('canonical json has no NaN or Infinity');
    return JSON.stringify(value);
  }
  if (depth >= MAX_CANONICAL_DEPTH) throw new TollgateError('request_invalid', `value is nested deeper than ${MAX_CANONICAL_DEPTH}`);
  if (Array.isArray(value)) return `[${value.map((item) => canonical(item, depth + 1)).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k], depth + 1)}`).join(',')}}`;
}

/** `sha256:<hex>` of the canonical JSON of params (absent params hash as `{}`). */
export function paramsHash(params: { [key: string]: JsonValue } | undefined): string {
  return `sha256:${sha256Hex(new TextEncoder().encode(canonicalJson(params ?? {})))}`;
}
