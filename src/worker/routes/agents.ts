/**
 * @module
 * The tenant's agents inventory (`GET /v1/agents`, operators; from D1, as of each agent's
 * last flush), an agent's state (`GET /v1/agents/:id`: the agent itself or an operator of
 * its tenant), and the operators' kill switch (`POST /v1/agents/:id/suspend` and `/resume`).
 */
import { Hono } from 'hono';
import { agentStub, callAgent } from '../agents.js';
import type { AppEnv } from '../env.js';
import { ApiError } from '../errors.js';
import { operatorCaller } from '../principal.js';
import type { InventoryRow } from '../audit/inventory.js';

/** A row of D1's `agents` table. */
type InventoryRecord = Omit<InventoryRow, 'suspended'> & { tenant: string; suspended: number; through_seq: number };

function inventoryRow({ tenant: _t, through_seq: _s, suspended, ...row }: InventoryRecord): InventoryRow {
  return { ...row, suspended: suspended === 1 };
}

const MAX_LIMIT = 500;

export const agentRoutes = new Hono<AppEnv>().get('/agents', async (c) => {
  const operator = operatorCaller(c);
  const limitText = c.req.query('limit') ?? '100';
  const limit = Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)
    throw new ApiError('invalid_request', `limit: must be a whole number from 1 to ${MAX_LIMIT}`);
  const cursor = c.req.query('cursor') ?? '';
  let rows: InventoryRecord[];
  try {
    ({ results: rows } = await c.env.AUDIT_DB.prepare(
      'SELECT * FROM agents WHERE tenant = ? AND agent > ? ORDER BY agent LIMIT ?',
    )
      .bind(operator.tenant, cursor, limit + 1)
      .all<InventoryRecord>());
  } catch (err) {
    throw new ApiError('unavailable', 'the agents inventory is unavailable', { retryAfterSeconds: 5, cause: err });
  }
  const page = rows.slice(0, limit).map(inventoryRow);
  return c.json({ agents: page, next_cursor: rows.length > limit ? page.at(-1)!.agent : null });
});

agentRoutes.get('/agents/:id', async (c) => {
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
