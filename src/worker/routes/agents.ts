/**
 * @module
 * An agent's state (`GET /v1/agents/:id`: the agent itself or an operator of its tenant),
 * and the operators' kill switch (`POST /v1/agents/:id/suspend` and `/resume`).
 */
import { Hono } from 'hono';
import { agentStub, callAgent } from '../agents.js';
import type { AppEnv } from '../env.js';
import { ApiError } from '../errors.js';
import { operatorCaller } from '../principal.js';

export const agentRoutes = new Hono<AppEnv>().get('/agents/:id', async (c) => {
  const p = c.get('principal');
  const id = c.req.param('id');
  if (p.kind === 'agent' && p.id !== id) throw new ApiError('forbidden', 'an agent can only read its own state');
  return c.json(await callAgent(() => agentStub(c.env, p.tenant, id).state({ id, tenant: p.tenant })));
});

for (const action of ['suspend', 'resume'] as const) {
  agentRoutes.post(`/agents/:id/${action}`, async (c) => {
    const operator = operatorCaller(c);
    const id = c.req.param('id');
    return c.json(
      await callAgent(() =>
        agentStub(c.env, operator.tenant, id).setKilled(
          { id, tenant: operator.tenant },
          action === 'suspend',
          operator.id,
        ),
      ),
    );
  });
}
