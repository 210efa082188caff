/**
 * @module
 * Tickets for executors: `POST /v1/tickets/redeem` checks a ticket against what the
 * executor is about to run and burns it, once; `POST /v1/introspect` (RFC 7662) says
 * whether a token or ticket is active.
 */
import { Hono } from 'hono';
import { paramsHash, verifyTicket } from '../../tokens/ticket.js';
import { agentStub, callAgent } from '../agents.js';
import { readJsonObject } from '../body.js';
import type { AppEnv } from '../env.js';
import { ApiError } from '../errors.js';
import { publicJwks } from '../keys.js';
import { authConfig, executorCaller } from '../principal.js';
import { introspect } from './introspect.js';

const REDEEM_FIELDS = ['ticket', 'action', 'resource', 'params'];

export const ticketRoutes = new Hono<AppEnv>()
  .post('/tickets/redeem', async (c) => {
    const executor = executorCaller(c, 'redeeming tickets needs an executor token (role executor)');
    const body = await readJsonObject(c);
    for (const key of Object.keys(body)) {
      if (!REDEEM_FIELDS.includes(key))
        throw new ApiError('invalid_request', `${key}: is not a known field (expected ${REDEEM_FIELDS.join(', ')})`);
    }
    for (const key of ['ticket', 'action', 'resource'] as const) {
      if (typeof body[key] !== 'string') throw new ApiError('invalid_request', `${key}: must be a string`);
    }
    const params = body.params ?? {};
    if (params === null || typeof params !== 'object' || Array.isArray(params))
      throw new ApiError('invalid_request', 'params: must be an object');
    let hashed: string;
    try {
      hashed = paramsHash(params as never);
    } catch (err) {
      throw new ApiError('invalid_request', `params: ${(err as Error).message}`, { cause: err });
    }
    let claims;
    try {
      claims = await verifyTicket(body.ticket as string, publicJwks(c.env), c.env.TICKET_ISSUER);
    } catch (err) {
      throw new ApiError('ticket_invalid', (err as Error).message, { cause: err });
    }
    if (claims.tenant !== executor.tenant)
      throw new ApiError('ticket_mismatch', "the ticket is for another tenant than the executor's");
    const mismatches = [
      claims.action !== body.action ? 'action' : null,
      claims.resource !== body.resource ? 'resource' : null,
      claims.params_hash !== hashed ? 'params' : null,
    ].filter(Boolean);
    if (mismatches.length > 0)
      throw new ApiError('ticket_mismatch', `the ticket does not match the ${mismatches.join(', ')} about to run`);
    const burned = await callAgent(() => agentStub(c.env, claims.tenant, claims.sub).burnTicket(claims, executor.id));
    if (burned === 'replay') throw new ApiError('ticket_replay', `ticket ${claims.jti} was already redeemed`);
    if (burned === 'expired') throw new ApiError('ticket_invalid', `ticket ${claims.jti} has expired`);
    const { jti, sub: agent, tenant, action, resource, decision, policy_hash } = claims;
    return c.json({ redeemed: true, jti, agent, tenant, action, resource, decision, policy_hash });
  })
  .post('/introspect', (c) => introspect(c, c.get('principal'), authConfig(c)));
