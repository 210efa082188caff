/**
 * @module
 * Human approvals: operators list and settle them; the requesting agent waits for its own
 * (a long-poll of up to 30 s) and, once approved, receives a ticket for the exact request.
 */
import { Hono } from 'hono';
import { agentCalls, callAgent } from '../agents.js';
import { approvalAgent, type Approval, type ApprovalStatus } from './book.js';
import { readJsonObject } from '../body.js';
import type { AppEnv, Env } from '../env.js';
import { ApiError } from '../errors.js';
import { operatorCaller } from '../principal.js';

const STATUSES: ApprovalStatus[] = ['pending', 'approved', 'denied', 'expired'];
const MAX_WAIT_SECONDS = 30;
const MAX_NOTE = 1000;

/** The agent an approval id names, or a 404. */
function agentOf(id: string): string {
  const agent = approvalAgent(id);
  if (agent === null) throw new ApiError('not_found', `no approval ${id}`);
  return agent;
}

/** The tenant's approvals from the index (copied there by each agent's object as they change). */
async function indexedApprovals(env: Env, tenant: string, status: ApprovalStatus | undefined): Promise<Approval[]> {
  const now = Date.now();
  // An expired approval may not have been copied yet: pending past its time reads as expired.
  // ?1 is the tenant; ?2, where a filter needs it, is now.
  const where: Record<ApprovalStatus | 'any', string> = {
    any: 'TRUE',
    pending: "status = 'pending' AND expires_at > ?2",
    expired: "(status = 'expired' OR (status = 'pending' AND expires_at <= ?2))",
    approved: "status = 'approved'",
    denied: "status = 'denied'",
  };
  const statement = `SELECT * FROM approvals WHERE tenant = ?1 AND ${where[status ?? 'any']} ORDER BY created_at DESC LIMIT 500`;
  const args = statement.includes('?2') ? [tenant, now] : [tenant];
  const { results } = await env.AUDIT_DB.prepare(statement)
    .bind(...args)
    .all<
      Omit<Approval, 'rules' | 'params' | 'cost' | 'claimed_at'> & { rules: string; params: string; cost: string }
    >();
  return results.map((r) => ({
    ...r,
    rules: JSON.parse(r.rules) as string[],
    params: JSON.parse(r.params) as Approval['params'],
    cost: JSON.parse(r.cost) as Approval['cost'],
    claimed_at: null,
    status: r.status === 'pending' && r.expires_at <= now ? 'expired' : r.status,
  }));
}

/** Approvals: operators list and settle them; the requesting agent reads its own. */
export const approvalRoutes = new Hono<AppEnv>();

approvalRoutes.get('/approvals', async (c) => {
  const { tenant } = operatorCaller(c, 'approvals are settled and listed by operators');
  const status = c.req.query('status') as ApprovalStatus | undefined;
  if (status !== undefined && !STATUSES.includes(status))
    throw new ApiError('invalid_request', `status: must be one of ${STATUSES.join(', ')}`);
  const agent = c.req.query('agent');
  const approvals = agent
    ? await callAgent(() => agentCalls(c.env, tenant, agent).listApprovals(status))
    : await indexedApprovals(c.env, tenant, status);
  return c.json({ approvals });
});

approvalRoutes.get('/approvals/:id', async (c) => {
  const caller = c.get('principal');
  const id = c.req.param('id');
  const agent = agentOf(id);
  if (caller.kind === 'agent' && caller.id !== agent)
    throw new ApiError('forbidden', 'an agent can only read its own approvals');
  const waitText = c.req.query('wait') ?? '0';
  const wait = Number(waitText);
  if (!Number.isFinite(wait) || wait < 0 || wait > MAX_WAIT_SECONDS)
    throw new ApiError('invalid_request', `wait: must be a number of seconds from 0 to ${MAX_WAIT_SECONDS}`);
  const reply = await callAgent(() =>
    agentCalls(c.env, caller.tenant, agent).approval(
      id,
      { kind: caller.kind, id: caller.id, halted: c.get('halt') !== null },
      wait * 1000,
    ),
  );
  if (!reply) throw new ApiError('not_found', `no approval ${id}`);
  return c.json(reply);
});

for (const [verb, verdict] of [
  ['approve', 'approved'],
  ['deny', 'denied'],
] as const)
  approvalRoutes.post(`/approvals/:id/${verb}`, async (c) => {
    const settler = operatorCaller(c, 'approvals are settled and listed by operators');
    const id = c.req.param('id');
    const agent = agentOf(id);
    const body = await readJsonObject(c, { optional: true });
    for (const key of Object.keys(body))
      if (key !== 'note') throw new ApiError('invalid_request', `${key}: is not a known field (expected note)`);
    const note = body.note ?? null;
    if (note !== null && (typeof note !== 'string' || note.length > MAX_NOTE))
      throw new ApiError('invalid_request', `note: must be a string of at most ${MAX_NOTE} characters`);
    const result = await callAgent(() =>
      agentCalls(c.env, settler.tenant, agent).settleApproval(id, verdict, settler.id, note),
    );
    if (!result.ok) throw new ApiError(result.code, result.message);
    return c.json({ approval: result.approval });
  });
