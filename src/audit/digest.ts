/**
 * @module
 * What the audit keeps of a value it may not log: an HMAC-SHA-256 under the tenant's own key,
 * so a low-entropy value (an SSN, a card number) can't be recovered by hashing guesses, and
 * digests of one tenant say nothing about another's. Synchronous, so a record is built in
 * the same step as the decision it describes.
 */
import { hmacSha256DigestOfJson } from '../lib/digest.js';
import { utf8 } from '../lib/encoding.js';
import type { JsonValue } from '../lib/json.js';
import { hmacSha256 } from '../lib/sha256.js';

/** The tenant's digest key, derived from the Worker's secret: HMAC(secret, "tollgate audit digest\0" + tenant). */
export function tenantDigestKey(secret: string, tenant: string): Uint8Array {
  return hmacSha256(utf8.encode(secret), utf8.encode(`tollgate audit digest\u0000${tenant}`));
}

/** Digests values under one tenant's key, as `hmac-sha256:<hex>` of their canonical JSON. */
export class ValueDigester {
  constructor(private readonly key: Uint8Array) {}

  digest(value: JsonValue): string {
    return hmacSha256DigestOfJson(this.key, value);
  }
}
