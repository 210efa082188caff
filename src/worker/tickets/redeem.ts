/**
 * @module
 * Redeeming a ticket: the one check every executor path makes (`POST /v1/tickets/redeem`,
 * and the egress proxy before it forwards a call). The ticket must be Tollgate's, for the
 * executor's tenant, for exactly the action, resource and params about to run, and its agent
 * not suspended; then the agent's object burns it, once.
 */
import { paramsHash, verifyTicket, type TicketClaims } from '../../tokens/ticket.js';
import { agentStub, callAgent } from '../agents.js';
import type { AppContext } from '../env.js';
import { ApiError } from '../errors.js';
import { publicJwks } from '../keys.js';
import type { AgentPrincipal } from '../principal.js';

/** What the executor is about to run, to hold the ticket against. */
export interface TicketedCall {
  ticket: string;
  action: string;
  resource: string;
  params: Record<string, unknown>;
}

/** Verifies and burns the ticket for `call`; its claims, or the API error that says why not. */
export async function redeemTicket(c: AppContext, executor: AgentPrincipal, call: TicketedCall): Promise<TicketClaims> {
  let hashed: string;
  try {
    hashed = paramsHash(call.params as never);
  } catch (err) {
    throw new ApiError('invalid_request', `params: ${(err as Error).message}`, { cause: err });
  }
  let claims: TicketClaims;
  try {
    claims = await verifyTicket(call.ticket, publicJwks(c.env), c.env.TICKET_ISSUER);
  } catch (err) {
    throw new ApiError('ticket_invalid', (err as Error).message, { cause: err });
  }
  if (claims.tenant !== executor.tenant)
    throw new ApiError('ticket_mismatch', "the ticket is for another tenant than the executor's");
  const mismatches = [
    claims.action !== call.action ? 'action' : null,
    claims.resource !== call.resource ? 'resource' : null,
    claims.params_hash !== hashed ? 'params' : null,
  ].filter(Boolean);
  if (mismatches.length > 0)
    throw new ApiError('ticket_mismatch', `the ticket does not match the ${mismatches.join(', ')} about to run`);
  const burned = await callAgent(() =>
    agentStub(c.env, claims.tenant, claims.sub).burnTicket(claims, executor.id, c.get('halt') !== null),
  );
  if (burned === 'replay') throw new ApiError('ticket_replay', `ticket ${claims.jti} was already redeemed`);
  if (burned === 'expired') throw new ApiError('ticket_invalid', `ticket ${claims.jti} has expired`);
  if (burned === 'suspended')
    throw new ApiError('forbidden', `the ticket's agent is suspended: nothing it was allowed runs until it is resumed`);
  return claims;
}
