/**
 * @module
 * `POST /v1/outcomes`: how an allowed action went. An agent never reports its own: the
 * executor that redeemed the decision's ticket reports it, or an operator does. The report
 * names the decision it settles, once; it moves trust and settles exactly that decision's
 * reservation at the reported cost.
 */
import { Hono } from 'hono';
import { outcomeProblem, type OutcomeReport } from '../../engine/stateful-engine.js';
import type { Reporter } from '../agent-rpc.js';
import { agentCalls, callAgent } from '../agents.js';
import { readJsonObject } from '../body.js';
import type { AppEnv } from '../env.js';
import { ApiError } from '../errors.js';

const FIELDS = ['agent', 'decision', 'outcome', 'cost'];

export const outcomeRoutes = new Hono<AppEnv>().post('/outcomes', async (c) => {
  const caller = c.get('principal');
  const reporter: Reporter | null =
    caller.kind === 'operator'
      ? { kind: 'operator', id: caller.id }
      : caller.roles.includes('executor')
        ? { kind: 'executor', id: caller.id }
        : null;
  if (!reporter)
    throw new ApiError(
      'forbidden',
      "outcomes are reported by the executor that redeemed the decision's ticket, or by an operator; never by the agent",
    );
  const body = await readJsonObject(c);
  for (const key of Object.keys(body))
    if (!FIELDS.includes(key))
      throw new ApiError('invalid_request', `${key}: is not a known field (expected ${FIELDS.join(', ')})`);
  if (typeof body.agent !== 'string' || body.agent === '')
    throw new ApiError('invalid_request', 'agent: must be the id of the agent whose decision this settles');
  const report = {
    agent: { id: body.agent, tenant: caller.tenant },
    decision: body.decision,
    outcome: body.outcome,
    cost: body.cost,
  } as OutcomeReport;
  const problem = outcomeProblem(report);
  if (problem !== null) throw new ApiError('invalid_request', problem);
  const result = await callAgent(() => agentCalls(c.env, caller.tenant, report.agent.id).outcome(report, reporter));
  if (!result.ok) throw new ApiError(result.code, result.message);
  return c.json(result.state);
});
