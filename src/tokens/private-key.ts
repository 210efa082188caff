/**
 * @module
 * Private Ed25519 JWKs imported once: importing a key costs about as much as a signature,
 * and the edge signs with the same few keys all day.
 */
import { importJWK, type JWK } from 'jose';

const imported = new WeakMap<JWK, Promise<CryptoKey | Uint8Array>>();

/** The signing key for `jwk`, imported on first use (callers keep passing the same JWK object). */
export function eddsaSigningKey(jwk: JWK): Promise<CryptoKey | Uint8Array> {
  let key = imported.get(jwk);
  if (!key) {
    key = importJWK(jwk, 'EdDSA');
    key.catch(() => imported.delete(jwk)); // a key that failed to import is tried again next time
    imported.set(jwk, key);
  }
  return key;
}
