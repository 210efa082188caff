/**
 * @module
 * Tickets at the edge: the keys that verify them, and redeeming them for executors. (The
 * agent's Durable Object issues them, right after it commits an allow.)
 */
import type { Context } from 'hono';
import type { JSONWebKeySet, JWK } from 'jose';
import { paramsHash } from '../tokens/canonical.js';
import { verifyTicket } from '../tokens/ticket.js';
import { agentStub, callAgent } from './agents.js';
import type { Principal } from './auth.js';
import { readJsonObject } from './body.js';
import type { Env, Variables } from './env.js';
import { ApiError } from './errors.js';

type AppContext = Context<{ Bindings: Env; Variables: Variables }>;

function parseKey(text: string | undefined, name: string): JWK | null {
  if (!text) return null;
  try {
    return JSON.parse(text) as JWK;
  } catch {
    throw new ApiError('unavailable', `the server has no valid ${name} configured`, 30);
  }
}

/** The public keys that verify what Tollgate signs: bundles, tickets, and retired keys. */
export function publicJwks(env: Env): JSONWebKeySet {
  const keys: JWK[] = [];
  for (const [text, name] of [[env.BUNDLE_SIGNING_JWK, 'BUNDLE_SIGNING_JWK'], [env.TICKET_SIGNING_JWK, 'TICKET_SIGNING_JWK']] as const) {
    const key = parseKey(text, name);
    if (key) {
      const { d: _private, ...publicPart } = key;
      keys.push({ ...publicPart, use: 'sig' });
    }
  }
  if (env.RETIRED_JWKS) keys.push(...(JSON.parse(env.RETIRED_JWKS) as JWK[]));
  return { keys };
}

/** POST /v1/tickets/redeem: an executor checks a ticket against what it is about to run, once. */
export async function redeemTicket(c: AppContext, executor: Extract<Principal, { kind: 'agent' }>): Promise<Response> {
  if (!executor.roles.includes('executor')) throw new ApiError('forbidden', 'redeeming tickets needs an executor token (role executor)');
  const body = await readJsonObject(c);
  for (const key of Object.keys(body)) {
    if (!['ticket', 'action', 'resource', 'params'].includes(key)) throw new ApiError('invalid_request', `${key}: is not a known field (expected ticket, action, resource, params)`);
  }
  for (const key of ['ticket', 'action', 'resource'] as const) {
    if (typeof body[key] !== 'string') throw new ApiError('invalid_request', `${key}: must be a string`);
  }
  const params = body.params ?? {};
  if (params === null || typeof params !== 'object' || Array.isArray(params)) throw new ApiError('invalid_request', 'params: must be an object');
  let claims;
  try {
    claims = await verifyTicket(body.ticket as string, publicJwks(c.env), c.env.TICKET_ISSUER);
  } catch (err) {
    throw new ApiError('ticket_invalid', (err as Error).message);
  }
  if (claims.tenant !== executor.tenant) throw new ApiError('ticket_mismatch', "the ticket is for another tenant than the executor's");
  const mismatches = [
    claims.action !== body.action ? 'action' : null,
    claims.resource !== body.resource ? 'resource' : null,
    claims.params_hash !== paramsHash(params as never) ? 'params' : null,
  ].filter(Boolean);
  if (mismatches.length > 0) throw new ApiError('ticket_mismatch', `the ticket does not match the ${mismatches.join(', ')} about to run`);
  const first = await callAgent(() => agentStub(c.env, claims.tenant, claims.sub).burnTicket(claims.jti, claims.exp * 1000));
  if (!first) throw new ApiError('ticket_replay', `ticket ${claims.jti} was already redeemed`);
  return c.json({ redeemed: true, jti: claims.jti, agent: claims.sub, tenant: claims.tenant, action: claims.action, resource: claims.resource, policy_hash: claims.policy_hash });
}
