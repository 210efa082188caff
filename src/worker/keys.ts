/**
 * @module
 * Tollgate's own signing keys (bundles, tickets, audit checkpoints), from Worker secrets, and the JWKS that
 * publishes their public halves.
 */
import type { JSONWebKeySet, JWK } from 'jose';
import type { Env } from './env.js';
import { ApiError } from './errors.js';

export type SigningKeyName = 'BUNDLE_SIGNING_JWK' | 'TICKET_SIGNING_JWK' | 'AUDIT_SIGNING_JWK';

/** Parsed secrets by their text: the same secret is the same JWK object, so its imported key is reused. */
const parsed = new Map<string, JWK>();

/** A private JWK from its secret; null when the secret is not set. */
export function signingKey(env: Env, name: SigningKeyName): JWK | null {
  const text = env[name];
  if (!text) return null;
  const known = parsed.get(text);
  if (known) return known;
  try {
    const jwk = JSON.parse(text) as JWK;
    parsed.set(text, jwk);
    return jwk;
  } catch {
    throw new ApiError('unavailable', `the server has no valid ${name} configured`, { retryAfterSeconds: 30 });
  }
}

/** The public keys that verify what Tollgate signs, retired ones included. */
export function publicJwks(env: Env): JSONWebKeySet {
  const keys: JWK[] = [];
  for (const name of ['BUNDLE_SIGNING_JWK', 'TICKET_SIGNING_JWK', 'AUDIT_SIGNING_JWK'] as const) {
    const key = signingKey(env, name);
    if (key) {
      const { d: _private, ...publicPart } = key;
      keys.push({ ...publicPart, use: 'sig' });
    }
  }
  if (env.RETIRED_JWKS) keys.push(...(JSON.parse(env.RETIRED_JWKS) as JWK[]));
  return { keys };
}
