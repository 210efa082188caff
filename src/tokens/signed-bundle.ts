/**
 * @module
 * Signed bundles: a compiled bundle, a monotonically increasing version, and a detached
 * Ed25519 JWS over both, so that embedders can fetch policies from the edge and trust them.
 * The signed text is `tollgate-bundle:<version>:<sha256:hash>`; the hash binds the bytes.
 */
import { base64url, CompactSign, compactVerify, createLocalJWKSet, type JSONWebKeySet, type JWK } from 'jose';
import { sha256Digest } from '../lib/digest.js';
import { fromBase64, toBase64 } from '../lib/encoding.js';
import { TollgateError } from '../lib/errors.js';
import { eddsaSigningKey } from './private-key.js';

export const BUNDLE_SIGNATURE_TYPE = 'tollgate-bundle+jws';

/** What `GET /v1/policy/bundle` answers. */
export interface SignedBundle {
  version: number;
  hash: string;
  /** The bundle bytes, base64. */
  bundle: string;
  /** A compact JWS with a detached payload: `header..signature`. */
  signature: string;
}

export interface VerifiedBundle {
  bytes: Uint8Array;
  hash: string;
  version: number;
}

function signedText(version: number, hash: string): Uint8Array {
  return new TextEncoder().encode(`tollgate-bundle:${version}:${hash}`);
}

/** Signs a bundle with a private Ed25519 JWK (which must carry a `kid`). */
export async function signBundle(bytes: Uint8Array, version: number, privateJwk: JWK): Promise<SignedBundle> {
  if (!Number.isSafeInteger(version) || version < 0)
    throw new TollgateError('bundle_invalid', 'bundle version must be a non-negative integer');
  const hash = sha256Digest(bytes);
  const jws = await new CompactSign(signedText(version, hash))
    .setProtectedHeader({ alg: 'EdDSA', kid: privateJwk.kid, typ: BUNDLE_SIGNATURE_TYPE })
    .sign(await eddsaSigningKey(privateJwk));
  const [header, , signature] = jws.split('.');
  return { version, hash, bundle: toBase64(bytes), signature: `${header}..${signature}` };
}

function invalid(reason: string): TollgateError {
  return new TollgateError('bundle_invalid', `signed bundle rejected: ${reason}`);
}

/** Verifies a signed bundle against a JWKS; throws `TollgateError('bundle_invalid')` saying why. */
export async function verifySignedBundle(envelope: unknown, jwks: JSONWebKeySet): Promise<VerifiedBundle> {
  const e = envelope as Partial<SignedBundle> | null;
  if (e === null || typeof e !== 'object') throw invalid('it is not an object');
  if (!Number.isSafeInteger(e.version) || (e.version as number) < 0)
    throw invalid('version must be a non-negative integer');
  if (typeof e.hash !== 'string' || typeof e.bundle !== 'string' || typeof e.signature !== 'string')
    throw invalid('hash, bundle and signature must be strings');
  const parts = e.signature.split('.');
  if (parts.length !== 3 || parts[1] !== '') throw invalid('signature must be a detached compact JWS');
  let bytes: Uint8Array;
  try {
    bytes = fromBase64(e.bundle);
  } catch {
    throw invalid('bundle is not base64');
  }
  if (sha256Digest(bytes) !== e.hash) throw invalid('the bundle does not match its hash');
  const attached = `${parts[0]}.${base64url.encode(signedText(e.version!, e.hash))}.${parts[2]}`;
  try {
    const { protectedHeader } = await compactVerify(attached, createLocalJWKSet(jwks), { algorithms: ['EdDSA'] });
    if (protectedHeader.typ !== BUNDLE_SIGNATURE_TYPE) throw invalid(`signature typ must be ${BUNDLE_SIGNATURE_TYPE}`);
  } catch (err) {
    if (err instanceof TollgateError) throw err;
    throw invalid(`the signature does not verify (${((err as Error).message || 'invalid').toLowerCase()})`);
  }
  return { bytes, hash: e.hash, version: e.version! };
}
