/**
 * @module
 * Bearer-token authentication with jose. Agents and operators present EdDSA or ES256 JWTs,
 * verified against the configured JWKS only: `iss`, `aud`, `exp` and `typ` are required,
 * the algorithm must be on the allowlist, tokens are capped at 8 KiB, and no key is ever
 * taken from a token's own headers.
 */
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import { DELEGATION_TYPE, verifyDelegation, type Rights } from '../tokens/delegation.js';
import { ApiError } from './errors.js';

export const ALGORITHMS = ['EdDSA', 'ES256'];
export const AGENT_TOKEN_TYPE = 'tollgate-agent+jwt';
export const OPERATOR_TOKEN_TYPE = 'tollgate-operator+jwt';
export const MAX_TOKEN_BYTES = 8 * 1024;
const KID = /^[A-Za-z0-9_.-]{1,128}$/;
const OPERATOR_ROLES = ['operator', 'admin'];

export interface AuthConfig {
  jwks: JSONWebKeySet;
  issuer: string;
  audience: string;
  /** Tollgate's own public keys and issuer, which delegation tokens verify against. */
  tollgate: { jwks: JSONWebKeySet; issuer: string };
}

/** Who is calling, from a verified token. A delegated agent carries its chain. */
export type Principal =
  | { kind: 'agent'; id: string; tenant: string; roles: string[]; exp: number; delegation?: Rights; jti?: string }
  | { kind: 'operator'; id: string; tenant: string; role: string };

const keySets = new WeakMap<JSONWebKeySet, ReturnType<typeof createLocalJWKSet>>();

/**
 * Tokens already verified under a config, until they expire: agents send the same token
 * with every call, and an Ed25519 verification costs more than the rest of a decision.
 * Keyed by the whole token, so only the exact bytes that verified are trusted.
 */
const verifiedTokens = new WeakMap<AuthConfig, Map<string, { principal: Principal; expiresAtMs: number }>>();
const MAX_CACHED_TOKENS = 10_000;

function unauthorized(message: string): ApiError {
  return new ApiError('unauthorized', message);
}

/** Verifies a bearer token; throws `ApiError('unauthorized')` with the reason. */
export async function authenticate(header: string | undefined, config: AuthConfig): Promise<Principal> {
  const match = header ? /^Bearer ([A-Za-z0-9_.~+/=-]+)$/.exec(header) : null;
  if (!match) throw unauthorized('authorization: expected "Bearer <token>"');
  const token = match[1];
  if (token.length > MAX_TOKEN_BYTES) throw unauthorized(`token is larger than ${MAX_TOKEN_BYTES} bytes`);
  let cache = verifiedTokens.get(config);
  if (!cache) verifiedTokens.set(config, (cache = new Map()));
  const hit = cache.get(token);
  if (hit && hit.expiresAtMs > Date.now()) return hit.principal;
  if (hit) cache.delete(token);
  const principal = await verifyToken(token, config);
  if (cache.size >= MAX_CACHED_TOKENS) cache.delete(cache.keys().next().value!); // the oldest
  cache.set(token, { principal: principal.who, expiresAtMs: principal.exp * 1000 });
  return principal.who;
}

async function verifyToken(token: string, config: AuthConfig): Promise<{ who: Principal; exp: number }> {
  let protectedHeader: ReturnType<typeof decodeProtectedHeader>;
  try {
    protectedHeader = decodeProtectedHeader(token);
  } catch {
    throw unauthorized('token is not a well-formed JWT');
  }
  // Keys come only from configuration: a token naming its own key is refused outright.
  for (const field of ['jwk', 'jku', 'x5u', 'x5c'] as const) {
    if (protectedHeader[field] !== undefined) throw unauthorized(`token header '${field}' is not accepted`);
  }
  if (typeof protectedHeader.kid !== 'string' || !KID.test(protectedHeader.kid))
    throw unauthorized('token header kid is missing or malformed');
  const typ = protectedHeader.typ;
  if (typ === DELEGATION_TYPE) {
    // Minted by Tollgate for a child agent: verified against Tollgate's own keys only.
    try {
      const rights = await verifyDelegation(token, config.tollgate.jwks, config.tollgate.issuer, config.audience);
      const jti = rights.links.at(-1)!.jti;
      return {
        who: {
          kind: 'agent',
          id: rights.agent,
          tenant: rights.tenant,
          roles: rights.roles,
          exp: rights.exp,
          delegation: rights,
          jti,
        },
        exp: rights.exp,
      };
    } catch (err) {
      throw unauthorized(`delegation token rejected: ${((err as Error).message || 'invalid').toLowerCase()}`);
    }
  }
  if (typ !== AGENT_TOKEN_TYPE && typ !== OPERATOR_TOKEN_TYPE)
    throw unauthorized(`token typ must be ${AGENT_TOKEN_TYPE}, ${OPERATOR_TOKEN_TYPE} or ${DELEGATION_TYPE}`);
  let keySet = keySets.get(config.jwks);
  if (!keySet) keySets.set(config.jwks, (keySet = createLocalJWKSet(config.jwks)));
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, keySet, {
      algorithms: ALGORITHMS,
      issuer: config.issuer,
      audience: config.audience,
      typ,
      requiredClaims: ['exp', 'sub', 'iss', 'aud'],
      clockTolerance: 30,
    }));
  } catch (err) {
    throw unauthorized(`token rejected: ${((err as Error).message || 'invalid').toLowerCase()}`);
  }
  // The tenant names whose agent this is: without it, agents of different tenants would meet.
  if (typeof payload.tenant !== 'string' || payload.tenant === '')
    throw unauthorized('token claim tenant must be a non-empty string');
  const tenant = payload.tenant;
  const sub = payload.sub!;
  // `/` separates a delegator from its children (`planner/scout`): an identity provider's id never holds one.
  if (sub === '' || sub.includes('/')) throw unauthorized("token claim sub must be a non-empty id without '/'");
  if (typ === OPERATOR_TOKEN_TYPE) {
    const role = payload.role;
    if (typeof role !== 'string' || !OPERATOR_ROLES.includes(role))
      throw unauthorized(`operator token role must be one of ${OPERATOR_ROLES.join(', ')}`);
    return { who: { kind: 'operator', id: sub, tenant, role }, exp: payload.exp! };
  }
  const roles =
    Array.isArray(payload.roles) && payload.roles.every((r) => typeof r === 'string')
      ? (payload.roles as string[])
      : [];
  return { who: { kind: 'agent', id: sub, tenant, roles, exp: payload.exp! }, exp: payload.exp! };
}
