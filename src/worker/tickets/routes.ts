/**
 * @module
 * Tickets for executors: `POST /v1/tickets/redeem` checks a ticket against what the
 * executor is about to run and burns it, once; `POST /v1/introspect` (RFC 7662) says
 * whether a token or ticket is active.
 */
import { Hono } from 'hono';
import { readJsonObject } from '../body.js';
import type { AppEnv } from '../env.js';
import { ApiError } from '../errors.js';
import { authConfig, executorCaller } from '../principal.js';
import { introspect } from './introspect.js';
import { redeemTicket } from './redeem.js';

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
    const claims = await redeemTicket(c, executor, {
      ticket: body.ticket as string,
      action: body.action as string,
      resource: body.resource as string,
      params: params as Record<string, unknown>,
    });
    const { jti, sub: agent, tenant, action, resource, decision, policy_hash } = claims;
    return c.json({ redeemed: true, jti, agent, tenant, action, resource, decision, policy_hash });
  })
  .post('/introspect', (c) => introspect(c, c.get('principal'), authConfig(c)));
