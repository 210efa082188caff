/**
 * @module
 * The tenant-wide halt, for operators: `POST /v1/tenant/halt` suspends every agent of the
 * tenant at once (those never seen yet too), `POST /v1/tenant/resume` lifts it, and
 * `GET /v1/tenant` says whether it stands. While halted, every agent's decision is a deny
 * with code `suspended` (audited in its chain), no ticket is redeemed and no approved
 * request gets its ticket. An agent suspended on its own stays suspended after a resume.
 */
import { Hono } from 'hono';
import { callAgent } from '../agents.js';
import type { AppEnv } from '../env.js';
import { operatorCaller } from '../principal.js';
import { tenantStub, type TenantHalt } from '../tenant-object.js';

/** The tenant's standing as the API reports it. */
export interface TenantView {
  tenant: string;
  halted: boolean;
  halt: { by: string; at: string } | null;
}

function view(tenant: string, halt: TenantHalt | null): TenantView {
  return { tenant, halted: halt !== null, halt: halt && { by: halt.by, at: new Date(halt.at).toISOString() } };
}

export const tenantRoutes = new Hono<AppEnv>().get('/tenant', async (c) => {
  const operator = operatorCaller(c);
  return c.json(view(operator.tenant, await callAgent(() => tenantStub(c.env, operator.tenant).halt())));
});

for (const action of ['halt', 'resume'] as const) {
  tenantRoutes.post(`/tenant/${action}`, async (c) => {
    const operator = operatorCaller(c);
    const halt = await callAgent(() => tenantStub(c.env, operator.tenant).setHalt(action === 'halt', operator.id));
    // The tenant has no chain of its own: the halt goes to the Worker's logs, and each agent's denies to its chain.
    console.log(`tenant '${operator.tenant}' ${action === 'halt' ? 'halted' : 'resumed'} by operator '${operator.id}'`);
    return c.json(view(operator.tenant, halt));
  });
}
