/**
 * @module
 * Console sessions. An operator signs in once with an operator token; the console keeps it in
 * a sealed cookie (AES-GCM, keyed from a Worker secret), so every screen can act as that
 * operator through the API, with the API's own checks and audit. The cookie also carries the
 * session's CSRF token and its expiry: the token's own, or 8 hours, whichever comes first.
 * An edited, foreign or expired cookie opens as no session at all, and so does one whose
 * session was signed out (the tenant's object remembers its id).
 */
import { fromBase64Url, toBase64Url, utf8 } from '../lib/encoding.js';
import { hmacSha256 } from '../lib/sha256.js';

export const SESSION_COOKIE = 'tollgate_console';
/** The longest a session lasts, whatever its token's expiry. */
export const SESSION_TTL_SECONDS = 8 * 3600;

export interface ConsoleSession {
  /** Names the session, so that signing out ends it on the server too (see `TenantObject.markOnce`). */
  id: string;
  /** The operator's token, sent to the API on each of the console's calls. */
  token: string;
  tenant: string;
  operator: string;
  /** Unix seconds. */
  expires: number;
  /** What every state-changing form must send back as `_csrf`. */
  csrf: string;
}

const keys = new Map<string, Promise<CryptoKey>>();

/** The sealing key, derived from the Worker secret the audit digests are keyed from. */
function sealingKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    const raw = hmacSha256(utf8.encode(secret), utf8.encode('tollgate console sessions v1'));
    key = crypto.subtle.importKey('raw', raw as Uint8Array<ArrayBuffer>, 'AES-GCM', false, ['encrypt', 'decrypt']);
    keys.set(secret, key);
  }
  return key;
}

/** A new session for a verified operator token. */
export function newSession(
  token: string,
  principal: { tenant: string; id: string },
  tokenExpires: number,
  now: number,
): ConsoleSession {
  const random = () => toBase64Url(crypto.getRandomValues(new Uint8Array(24)));
  const csrf = random();
  return {
    id: random(),
    token,
    tenant: principal.tenant,
    operator: principal.id,
    expires: Math.min(tokenExpires, now + SESSION_TTL_SECONDS),
    csrf,
  };
}

/** The cookie value: `<iv>.<ciphertext>`, both base64url. */
export async function sealSession(secret: string, session: ConsoleSession): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv },
    await sealingKey(secret),
    utf8.encode(JSON.stringify(session)),
  );
  return `${toBase64Url(iv)}.${toBase64Url(new Uint8Array(sealed))}`;
}

/** The session a cookie value holds, or null when it is missing, altered, foreign or expired. */
export async function openSession(
  secret: string,
  value: string | undefined,
  now: number,
): Promise<ConsoleSession | null> {
  if (!value || value.length > 8192) return null;
  const [iv, sealed, extra] = value.split('.');
  if (!iv || !sealed || extra !== undefined) return null;
  try {
    const plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: fromBase64Url(iv) },
      await sealingKey(secret),
      fromBase64Url(sealed),
    );
    const session = JSON.parse(new TextDecoder().decode(plain)) as ConsoleSession;
    return session.expires > now && typeof session.id === 'string' ? session : null;
  } catch {
    return null;
  }
}

/** Whether a form's CSRF token is the session's (compared in constant time). */
export function csrfMatches(session: ConsoleSession, presented: unknown): boolean {
  if (typeof presented !== 'string' || presented.length !== session.csrf.length) return false;
  let diff = 0;
  for (let i = 0; i < presented.length; i++) diff |= presented.charCodeAt(i) ^ session.csrf.charCodeAt(i);
  return diff === 0;
}
