/**
 * @module
 * Who is calling, as Hono middleware. `authenticated` verifies the bearer token, checks
 * that nothing revoked it (any link of a delegation chain, any agent in the chain, or the
 * agent itself), and sets the typed principal on the context. Routes read it with
 * `agentCaller`, `operatorCaller` or `executorCaller`, so no route can skip the check.
 */
import { createMiddleware } from 'hono/factory';
import { matchedRoutes } from 'hono/route';
import { authenticate, type AuthConfig, type Principal } from './auth.js';
import type { AppContext, AppEnv } from './env.js';
import { ApiError } from './errors.js';
import { publicJwks } from './keys.js';
import { callAgent } from './agents.js';
import { revocationKeys, tenantStub } from './tenant-object.js';

export type AgentPrincipal = Extract<Principal, { kind: 'agent' }>;
export type OperatorPrincipal = Extract<Principal, { kind: 'operator' }>;

/** The auth config, parsed once per distinct configuration (so its key set and token cache persist). */
let currentAuth: { source: string; config: AuthConfig } | null = null;

export function authConfig(c: AppContext): AuthConfig {
  const { AUTH_JWKS, AUTH_ISSUER, AUTH_AUDIENCE, TICKET_SIGNING_JWK, RETIRED_JWKS, TICKET_ISSUER } = c.env;
  const source = [AUTH_JWKS, AUTH_ISSUER, AUTH_AUDIENCE, TICKET_SIGNING_JWK, RETIRED_JWKS, TICKET_ISSUER].join(
    '\u0000',
  );
  if (currentAuth?.source === source) return currentAuth.config;
  // Without an issuer, jose would accept tokens from any issuer: refuse everything instead.
  if (!AUTH_ISSUER || !AUTH_AUDIENCE)
    throw new ApiError('unavailable', 'the server has no AUTH_ISSUER or AUTH_AUDIENCE configured', {
      retryAfterSeconds: 30,
    });
  try {
    const tollgate = { jwks: publicJwks(c.env), issuer: TICKET_ISSUER };
    currentAuth = {
      source,
      config: { jwks: JSON.parse(AUTH_JWKS), issuer: AUTH_ISSUER, audience: AUTH_AUDIENCE, tollgate },
    };
    return currentAuth.config;
  } catch {
    throw new ApiError('unavailable', 'the server has no valid AUTH_JWKS configured', { retryAfterSeconds: 30 });
  }
}

/**
 * Refuses an agent whose token was revoked, at this call (401, as for any dead credential),
 * and sets `halt` when its tenant is halted: one call to the tenant's object for both, which
 * also answers the standing of the tool a gateway `tools/call` asks about (`toolAsked`).
 */
async function assertNotRevoked(c: AppContext, agent: AgentPrincipal): Promise<void> {
  const asked = c.get('toolAsked');
  const { revoked, halt, tool } = await callAgent(() =>
    tenantStub(c.env, agent.tenant).standing(revocationKeys(agent), asked),
  );
  c.set('halt', halt);
  if (asked !== undefined && tool !== undefined) c.set('toolStanding', { ...asked, standing: tool });
  if (revoked === null) return;
  const what = revoked.startsWith('agent:')
    ? `agent '${revoked.slice(6)}'${revoked.slice(6) === agent.id ? '' : ' in its chain'}`
    : 'a link of its delegation chain';
  throw new ApiError('unauthorized', `the token was revoked (${what})`);
}

/** Verifies the caller's token and its revocation, and sets `principal`. */
export const authenticated = createMiddleware<AppEnv>(async function authenticated(c, next) {
  // A path no route serves gets its helpful 404, not a 401 (middleware is registered as ALL).
  if (!matchedRoutes(c).some((r) => r.method !== 'ALL')) return next();
  const principal = await authenticate(c.req.header('authorization'), authConfig(c));
  c.set('halt', null);
  if (principal.kind === 'agent') await assertNotRevoked(c, principal);
  c.set('principal', principal);
  await next();
});

/** The calling agent (any agent token); 403 for operators. */
export function agentCaller(c: AppContext): AgentPrincipal {
  const p = c.get('principal');
  if (p.kind !== 'agent') throw new ApiError('forbidden', 'this route is for agent tokens');
  return p;
}

/** The calling operator; 403 for agents. */
export function operatorCaller(c: AppContext, what = 'this route is for operator tokens'): OperatorPrincipal {
  const p = c.get('principal');
  if (p.kind !== 'operator') throw new ApiError('forbidden', what);
  return p;
}

/** The calling executor (an agent token with role `executor`); 403 for anyone else. */
export function executorCaller(c: AppContext, what: string): AgentPrincipal {
  const p = c.get('principal');
  if (p.kind !== 'agent' || !p.roles.includes('executor')) throw new ApiError('forbidden', what);
  return p;
}
