/**
 * @module
 * Signed checkpoints: an Ed25519 JWS over a segment's tenant, agent, first and last seq,
 * the hash before it and its head hash. A checkpoint vouches for exactly one range, so one
 * copied onto another segment does not verify.
 */
import { CompactSign, compactVerify, createLocalJWKSet, type JSONWebKeySet, type JWK } from 'jose';
import { eddsaSigningKey } from '../tokens/private-key.js';
import { canonicalJson, type JsonValue } from '../lib/json.js';

export const CHECKPOINT_TYPE = 'tollgate-checkpoint+jws';

export interface SegmentRange {
  tenant: string;
  agent: string;
  first_seq: number;
  last_seq: number;
  prev_hash: string;
  head_hash: string;
}

export async function signCheckpoint(range: SegmentRange, key: JWK): Promise<string> {
  return new CompactSign(new TextEncoder().encode(canonicalJson(range as unknown as JsonValue)))
    .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: CHECKPOINT_TYPE })
    .sign(await eddsaSigningKey(key));
}

/**
 * One key set per JWKS object: a chain has a checkpoint per segment, and the set imports each
 * key once, where a set made per checkpoint imported it again every time.
 */
const keySets = new WeakMap<JSONWebKeySet, ReturnType<typeof createLocalJWKSet>>();

function keySetOf(jwks: JSONWebKeySet): ReturnType<typeof createLocalJWKSet> {
  let set = keySets.get(jwks);
  if (set === undefined) keySets.set(jwks, (set = createLocalJWKSet(jwks)));
  return set;
}

/** The range a checkpoint vouches for, or null when its signature does not verify. */
export async function verifyCheckpoint(jws: string, jwks: JSONWebKeySet): Promise<SegmentRange | null> {
  try {
    const { payload, protectedHeader } = await compactVerify(jws, keySetOf(jwks), { algorithms: ['EdDSA'] });
    if (protectedHeader.typ !== CHECKPOINT_TYPE) return null;
    return JSON.parse(new TextDecoder().decode(payload)) as SegmentRange;
  } catch {
    return null;
  }
}
