/**
 * @module
 * The MCP gateway's request state for a tool call that waits for a human's approval: an
 * EdDSA JWT, signed with the ticket key, that names the approval and binds the agent, the
 * tool (as action and resource) and the hash of the arguments. A modern client echoes it as
 * the `requestState` of its retry (MRTR); a legacy client sends it back in the call's
 * `_meta`. It is single-use: completing the call burns the approval's execution ticket.
 */
import { createLocalJWKSet, jwtVerify, SignJWT, type JSONWebKeySet, type JWK } from 'jose';
import { TollgateError } from '../lib/errors.js';
import { eddsaSigningKey } from './private-key.js';

export const REQUEST_STATE_TYPE = 'tollgate-mcp-state+jwt';
export const REQUEST_STATE_AUDIENCE = 'tollgate-mcp-gateway';

export interface RequestStateClaims {
  /** The agent. */
  sub: string;
  tenant: string;
  approval: string;
  action: string;
  resource: string;
  params_hash: string;
  jti: string;
  exp: number;
}

/** Signs the state of a call waiting on `approval`, valid until the approval expires. */
export async function issueRequestState(
  state: Omit<RequestStateClaims, 'jti'>,
  key: JWK,
  issuer: string,
): Promise<string> {
  const { sub, exp, ...claims } = state;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: REQUEST_STATE_TYPE })
    .setSubject(sub)
    .setIssuer(issuer)
    .setAudience(REQUEST_STATE_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(exp)
    .setJti(crypto.randomUUID())
    .sign(await eddsaSigningKey(key));
}

/** Verifies a request state: EdDSA only, its typ, audience and issuer, not expired. */
export async function verifyRequestState(
  token: string,
  jwks: JSONWebKeySet,
  issuer: string,
): Promise<RequestStateClaims> {
  try {
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), {
      algorithms: ['EdDSA'],
      typ: REQUEST_STATE_TYPE,
      audience: REQUEST_STATE_AUDIENCE,
      issuer,
      requiredClaims: ['exp', 'jti', 'sub'],
    });
    for (const claim of ['tenant', 'approval', 'action', 'resource', 'params_hash'] as const)
      if (typeof payload[claim] !== 'string') throw new Error(`claim ${claim} is missing`);
    return payload as unknown as RequestStateClaims;
  } catch (err) {
    throw new TollgateError(
      'request_invalid',
      `request state rejected: ${((err as Error).message || 'invalid').toLowerCase()}`,
      {
        cause: err,
      },
    );
  }
}
