/**
 * @module
 * Execution tickets: on every allow, an EdDSA JWT the executor checks before it runs the
 * action. It binds tenant, agent, action, resource, the hash of the canonical params and
 * the policy hash, lives 60 seconds by default, and is single-use (its `jti` is burned in
 * the agent's Durable Object when redeemed).
 */
import { createLocalJWKSet, jwtVerify, SignJWT, type JSONWebKeySet, type JWK, type JWTVerifyGetKey } from 'jose';
import { sha256DigestOfJson } from '../lib/digest.js';
import { TollgateError } from '../lib/errors.js';
import type { JsonObject } from '../lib/json.js';
import { eddsaSigningKey } from './private-key.js';

/** `sha256:<hex>` of the canonical JSON of params (absent params hash as `{}`): what a ticket binds. */
export function paramsHash(params: JsonObject | undefined): string {
  return sha256DigestOfJson(params ?? {});
}

export const TICKET_TYPE = 'tollgate-ticket+jwt';
export const TICKET_AUDIENCE = 'tollgate-executor';
export const TICKET_TTL_SECONDS = 60;

export interface TicketClaims {
  /** The agent. */
  sub: string;
  tenant: string;
  action: string;
  resource: string;
  params_hash: string;
  policy_hash: string;
  /** The decision the ticket was issued for; its outcome names it. */
  decision: string;
  jti: string;
  exp: number;
  iat: number;
  iss: string;
}

export interface TicketSubject {
  agent: string;
  tenant: string;
  action: string;
  resource: string;
  paramsHash: string;
  policyHash: string;
  decision: string;
  /** The ticket's id; a fresh UUID when omitted. */
  jti?: string;
}

/** Signs a ticket with a private Ed25519 JWK that carries a `kid`. */
export async function issueTicket(
  subject: TicketSubject,
  key: JWK,
  issuer: string,
  nowSeconds: number,
  ttlSeconds = TICKET_TTL_SECONDS,
): Promise<string> {
  return new SignJWT({
    tenant: subject.tenant,
    action: subject.action,
    resource: subject.resource,
    params_hash: subject.paramsHash,
    policy_hash: subject.policyHash,
    decision: subject.decision,
  })
    .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: TICKET_TYPE })
    .setSubject(subject.agent)
    .setIssuer(issuer)
    .setAudience(TICKET_AUDIENCE)
    .setIssuedAt(nowSeconds)
    .setExpirationTime(nowSeconds + ttlSeconds)
    .setJti(subject.jti ?? crypto.randomUUID())
    .sign(await eddsaSigningKey(key));
}

/**
 * Verifies a ticket: EdDSA only, its typ, audience and issuer, and not expired (no skew).
 * The keys are a JWKS, or a key getter (jose's remote JWKS, which refetches on an unknown `kid`).
 */
export async function verifyTicket(
  ticket: string,
  keys: JSONWebKeySet | JWTVerifyGetKey,
  issuer: string,
): Promise<TicketClaims> {
  try {
    const getKey = typeof keys === 'function' ? keys : createLocalJWKSet(keys);
    const { payload } = await jwtVerify(ticket, getKey, {
      algorithms: ['EdDSA'],
      typ: TICKET_TYPE,
      audience: TICKET_AUDIENCE,
      issuer,
      requiredClaims: ['exp', 'iat', 'jti', 'sub'],
    });
    for (const claim of ['tenant', 'action', 'resource', 'params_hash', 'policy_hash', 'decision'] as const) {
      if (typeof payload[claim] !== 'string') throw new Error(`claim ${claim} is missing`);
    }
    return payload as unknown as TicketClaims;
  } catch (err) {
    throw new TollgateError(
      'request_invalid',
      `ticket rejected: ${((err as Error).message || 'invalid').toLowerCase()}`,
      { cause: err },
    );
  }
}
