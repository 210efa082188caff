/**
 * @module
 * Redeeming execution tickets for executors. (The agent's Durable Object issues them,
 * right after it commits an allow.)
 */
import { paramsHash } from '../../tokens/canonical.js';
import { verifyTicket } from '../../tokens/ticket.js';
import { agentStub, callAgent } from '../agents.js';
import type { Principal } from '../auth.js';
import { readJsonObject } from '../body.js';
import type { AppContext } from '../env.js';
import { ApiError } from '../errors.js';
import { publicJwks } from '../keys.js';

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
  const first = await callAgent(() => agentStub(c.env, claims.tenant, claims.sub).burnTicket(claims, executor.id));
  if (!first) throw new ApiError('ticket_replay', `ticket ${claims.jti} was already redeemed`);
  return c.json({ redeemed: true, jti: claims.jti, agent: claims.sub, tenant: claims.tenant, action: claims.action, resource: claims.resource, policy_hash: claims.policy_hash });
}
