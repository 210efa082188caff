/**
 * The flows edge tests share: an agent's allowed decision, redeemed by an executor, whose
 * outcome that executor then reports (agents never report their own).
 */
import { expect } from 'vitest';
import { call } from './http.js';
import { agentToken } from './tokens.js';

export const EXECUTOR = 'runner-1';

/** Redeems an allowed decision's ticket as `executor` (the ticket binds the request's action, resource and params). */
export async function redeem(
  decision: { ticket: string },
  request: { action: string; resource: string; params?: object },
  executor = EXECUTOR,
) {
  const token = await agentToken(executor, ['executor']);
  return call('POST', '/v1/tickets/redeem', {
    token,
    body: { ticket: decision.ticket, action: request.action, resource: request.resource, params: request.params ?? {} },
  });
}

/** Reports the outcome of `decision` (of `agent`) as `executor`. */
export async function report(
  agent: string,
  decision: string,
  outcome: string,
  extra: { cost?: object; executor?: string } = {},
) {
  const token = await agentToken(extra.executor ?? EXECUTOR, ['executor']);
  return call('POST', '/v1/outcomes', {
    token,
    body: { agent, decision, outcome, ...(extra.cost ? { cost: extra.cost } : {}) },
  });
}

/** Asks for `request` as `agent`, expects allow, redeems the ticket and reports `outcome`; returns the outcome's reply. */
export async function actAndReport(
  agent: string,
  roles: string[],
  request: { action: string; resource: string; params?: object; cost?: object },
  outcome: string,
  cost?: object,
) {
  const decided = await call('POST', '/v1/decide', { token: await agentToken(agent, roles), body: request });
  expect(decided.body.decision, JSON.stringify(decided.body)).toBe('allow');
  expect((await redeem(decided.body, request)).status).toBe(200);
  return report(agent, decided.body.id, outcome, { cost });
}
