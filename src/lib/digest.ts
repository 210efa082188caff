/**
 * @module
 * Digests as Tollgate writes them: `sha256:<hex>` names bundles, requests and params;
 * `hmac-sha256:<hex>` is what the audit keeps of a value it may not log. Synchronous, so a
 * hash is part of the same step as what it names.
 */
import { canonicalJson, type JsonValue } from './json.js';
import { toHex, utf8 } from './encoding.js';
import { hmacSha256, sha256 } from './sha256.js';

/** `sha256:<hex>` of `bytes`. */
export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${toHex(sha256(bytes))}`;
}

/** `sha256:<hex>` of the UTF-8 of `text`. */
export function sha256DigestOfText(text: string): string {
  return sha256Digest(utf8.encode(text));
}

/** `sha256:<hex>` of the canonical JSON of `value`. */
export function sha256DigestOfJson(value: JsonValue): string {
  return sha256DigestOfText(canonicalJson(value));
}

/** `hmac-sha256:<hex>` of the canonical JSON of `value` under `key`. */
export function hmacSha256DigestOfJson(key: Uint8Array, value: JsonValue): string {
  return `hmac-sha256:${toHex(hmacSha256(key, utf8.encode(canonicalJson(value))))}`;
}
