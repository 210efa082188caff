/**
 * @module
 * MCP session ids (the 2025 line's `Mcp-Session-Id`), bound to the agent that opened them.
 * The gateway never hands an agent the upstream's session id as it is: it hands out
 * `tg1.<upstream id, base64url>.<MAC>`, the MAC keyed by a Worker secret over the tenant,
 * agent, upstream and upstream id. Another agent presenting it (or an edited one) gets 404,
 * as the protocol answers an unknown session, and never reaches the upstream's session.
 */
import { fromBase64Url, toBase64Url, toHex, utf8 } from '../../lib/encoding.js';
import { hmacSha256 } from '../../lib/sha256.js';

const PREFIX = 'tg1';

export interface SessionOwner {
  tenant: string;
  agent: string;
  upstream: string;
}

function mac(key: Uint8Array, owner: SessionOwner, upstreamId: string): string {
  const message = JSON.stringify([owner.tenant, owner.agent, owner.upstream, upstreamId]);
  return toHex(hmacSha256(key, utf8.encode(message))).slice(0, 32);
}

/** The session key, derived from the Worker secret the audit digests are keyed from. */
export function sessionKey(secret: string): Uint8Array {
  return hmacSha256(utf8.encode(secret), utf8.encode('tollgate mcp session ids'));
}

/** The id the agent is given for the upstream's session. */
export function wrapSessionId(key: Uint8Array, owner: SessionOwner, upstreamId: string): string {
  return `${PREFIX}.${toBase64Url(utf8.encode(upstreamId))}.${mac(key, owner, upstreamId)}`;
}

/** The upstream's session id, if `presented` was given to this owner; null otherwise. */
export function unwrapSessionId(key: Uint8Array, owner: SessionOwner, presented: string): string | null {
  const parts = presented.split('.');
  if (parts.length !== 3 || parts[0] !== PREFIX) return null;
  let upstreamId: string;
  try {
    upstreamId = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(fromBase64Url(parts[1]));
  } catch {
    return null;
  }
  const expected = mac(key, owner, upstreamId);
  // Compared in full whatever the first difference, so the time taken says nothing of the MAC.
  let diff = expected.length ^ parts[2].length;
  for (let i = 0; i < expected.length; i++) diff |= expected.charCodeAt(i) ^ (parts[2].charCodeAt(i) || 0);
  return diff === 0 ? upstreamId : null;
}
