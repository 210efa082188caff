/**
 * @module
 * Delegation: an agent mints a token for a child agent with narrowed rights, and agents in
 * a chain or operators revoke it, cutting off every descendant at its next call.
 */
import type { Hono } from 'hono';
import type { JsonValue } from '../../policy/decision.js';
import { askProblem, narrow, rootRights, signDelegation, verifyDelegation, type DelegationAsk, type Rights } from '../../tokens/delegation.js';
import { agentStub, callAgent } from '../agents.js';
import type { Principal } from '../auth.js';
import { readJsonObject } from '../body.js';
import type { AppContext, Env, Variables } from '../env.js';
import { ApiError } from '../errors.js';
import { publicJwks, signingKey } from '../keys.js';
import { chainKeys, tenantState } from '../tenant-state.js';

type App = Hono<{ Bindings: Env; Variables: Variables }>;
type Agent = Extract<Principal, { kind: 'agent' }>;

/** Refuses a delegated agent whose chain was revoked (401, as for any dead credential). */
export async function assertNotRevoked(env: Env, agent: Agent): Promise<void> {
  if (!agent.delegation) return;
  const keys = chainKeys(agent.delegation);
  const revoked = await callAgent(() => tenantState(env, agent.tenant).firstRevoked(keys));
  if (revoked) throw new ApiError('unauthorized', `the delegation was revoked (${revoked.startsWith('agent:') ? `agent '${revoked.slice(6)}' in its chain` : 'a link of its chain'})`);
}

export function delegationRoutes(app: App, deps: { principal: (c: AppContext) => Promise<Principal>; maxDepth: number }): void {
  app.post('/v1/delegations', async (c) => {
    const parent = await deps.principal(c);
    if (parent.kind !== 'agent') throw new ApiError('forbidden', 'delegations are made by agents, for agents');
    await assertNotRevoked(c.env, parent);
    const body = await readJsonObject(c);
    const problem = askProblem(body);
    if (problem) throw new ApiError('invalid_request', problem);
    const rights: Rights = parent.delegation ?? rootRights(parent);
    const now = Math.floor(Date.now() / 1000);
    const narrowed = narrow(rights, body as unknown as DelegationAsk, deps.maxDepth, now);
    if (!narrowed.ok) throw new ApiError('delegation_invalid', narrowed.message);
    const key = signingKey(c.env, 'TICKET_SIGNING_JWK');
    if (!key) throw new ApiError('unavailable', 'token signing is not configured (TICKET_SIGNING_JWK)', 30);
    const { child } = narrowed;
    const { link } = child;
    const issued = { jti: link.jti, child: child.agent, actions: link.actions, resources: link.resources, roles: link.roles, budget_usd: link.budget_usd, depth: child.depth, expires_at: child.exp } as { [key: string]: JsonValue };
    const { trust } = await callAgent(() => agentStub(c.env, parent.tenant, parent.id).delegationIssued({ id: parent.id, tenant: parent.tenant }, issued));
    const trustCeiling = Math.min(trust, rights.trustCeiling ?? 100);
    const token = await signDelegation(child, trustCeiling, key, c.env.TICKET_ISSUER, c.env.AUTH_AUDIENCE, now);
    return c.json({ token, agent: child.agent, jti: link.jti, exp: child.exp, depth: child.depth, root: child.root, chain: child.chain, actions: link.actions, resources: link.resources, roles: link.roles, budget_usd: link.budget_usd, trust_ceiling: trustCeiling }, 201);
  });

  // { token }: that delegation and everything below it. { agent } (operators): every chain the agent is in.
  app.post('/v1/delegations/revoke', async (c) => {
    const caller = await deps.principal(c);
    const body = await readJsonObject(c);
    for (const k of Object.keys(body)) if (k !== 'token' && k !== 'agent') throw new ApiError('invalid_request', `${k}: is not a known field (expected token or agent)`);
    if ((body.token === undefined) === (body.agent === undefined)) throw new ApiError('invalid_request', 'body: give either token (a delegation token) or agent (an agent id)');
    if (typeof body.agent === 'string') {
      if (caller.kind !== 'operator') throw new ApiError('forbidden', 'revoking an agent is for operators');
      const agent = body.agent;
      await callAgent(() => tenantState(c.env, caller.tenant).revoke(`agent:${agent}`, caller.id));
      await callAgent(() => agentStub(c.env, caller.tenant, agent).delegationRevoked({ id: agent, tenant: caller.tenant }, { agent, by: caller.id }));
      return c.json({ revoked: { agent } });
    }
    if (typeof body.token !== 'string') throw new ApiError('invalid_request', 'token: must be a delegation token');
    let rights: Rights;
    try {
      rights = await verifyDelegation(body.token, publicJwks(c.env), c.env.TICKET_ISSUER, c.env.AUTH_AUDIENCE);
    } catch (err) {
      throw new ApiError('invalid_request', `token: not a valid delegation token: ${(err as Error).message.toLowerCase()}`);
    }
    if (rights.tenant !== caller.tenant) throw new ApiError('forbidden', "the delegation is another tenant's");
    const mayRevoke = caller.kind === 'operator' || rights.chain.includes(caller.id);
    if (!mayRevoke) throw new ApiError('forbidden', 'a delegation is revoked by an operator or by an agent above it in its chain');
    const jti = rights.links.at(-1)!.jti;
    await callAgent(() => tenantState(c.env, caller.tenant).revoke(`jti:${jti}`, caller.id));
    const delegator = rights.chain.at(-1)!;
    await callAgent(() => agentStub(c.env, caller.tenant, delegator).delegationRevoked({ id: delegator, tenant: caller.tenant }, { jti, child: rights.agent, by: caller.id }));
    return c.json({ revoked: { jti, agent: rights.agent } });
  });
}
