/**
 * @module
 * What the audit keeps of a value it may not log: an HMAC-SHA-256 under the tenant's own key,
 * so a low-entropy value (an SSN, a card number) can't be recovered by hashing guesses, and
 * digests of one tenant say nothing about another's. Synchronous, so a record is built in
 * the same step as the decision it describes.
 */
import { sha256 } from '../policy/bundle/sha256.js';
import type { JsonValue } from '../policy/decision.js';
import { canonicalJson } from '../tokens/canonical.js';

const utf8 = new TextEncoder();
const BLOCK = 64;

/** HMAC-SHA-256 (RFC 2104) of `data` under `key`, 32 bytes. */
export function hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
  const k = new Uint8Array(BLOCK);
  k.set(key.length > BLOCK ? sha256(key) : key);
  const inner = new Uint8Array(BLOCK + data.length);
  const outer = new Uint8Array(BLOCK + 32);
  for (let i = 0; i < BLOCK; i++) (inner[i] = k[i] ^ 0x36), (outer[i] = k[i] ^ 0x5c);
  inner.set(data, BLOCK);
  outer.set(sha256(inner), BLOCK);
  return sha256(outer);
}

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/** The tenant's digest key, derived from the Worker's secret: HMAC(secret, "tollgate audit digest\0" + tenant). */
export function tenantDigestKey(secret: string, tenant: string): Uint8Array {
  return hmacSha256(utf8.encode(secret), utf8.encode(`tollgate audit digest\u0000${tenant}`));
}

/** Digests values under one tenant's key, as `hmac-sha256:<hex>` of their canonical JSON. */
export class ValueDigester {
  constructor(private readonly key: Uint8Array) {}

  digest(value: JsonValue): string {
    return `hmac-sha256:${hex(hmacSha256(this.key, utf8.encode(canonicalJson(value))))}`;
  }
}
