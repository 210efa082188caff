/**
 * @module
 * Delegation: an agent mints a token for a child agent with narrowed rights, and agents in
 * a chain or operators revoke it, cutting off every descendant at its next call.
 */
import { Hono } from 'hono';
import type { JsonValue } from '../../lib/json.js';
import {
  askProblem,
  narrow,
  rootRights,
  signDelegation,
  verifyDelegation,
  type DelegationAsk,
  type Rights,
} from '../../tokens/delegation.js';
import { agentStub, callAgent } from '../agents.js';
import { readJsonObject } from '../body.js';
import type { AppEnv } from '../env.js';
import { ApiError } from '../errors.js';
import { publicJwks, signingKey } from '../keys.js';
import { policyInfo } from '../policy-source.js';
import { agentCaller } from '../principal.js';
import { tenantStub } from '../tenant-object.js';

/** Delegations: agents mint narrowed tokens for their children; agents above a link, or operators, revoke them. */
export const delegationRoutes = new Hono<AppEnv>();
delegationRoutes.post('/delegations', async (c) => {
  const parent = agentCaller(c);
  const body = await readJsonObject(c);
  const problem = askProblem(body);
  if (problem) throw new ApiError('invalid_request', problem);
  const rights: Rights = parent.delegation ?? rootRights(parent);
  const now = Math.floor(Date.now() / 1000);
  const narrowed = narrow(rights, body as unknown as DelegationAsk, policyInfo.delegation.maxDepth, now);
  if (!narrowed.ok) throw new ApiError('delegation_invalid', narrowed.message);
  const key = signingKey(c.env, 'TICKET_SIGNING_JWK');
  if (!key)
    throw new ApiError('unavailable', 'token signing is not configured (TICKET_SIGNING_JWK)', {
      retryAfterSeconds: 30,
    });
  const { child } = narrowed;
  const { link } = child;
  const issued = {
    jti: link.jti,
    child: child.agent,
    actions: link.actions,
    resources: link.resources,
    roles: link.roles,
    budget_usd: link.budget_usd,
    depth: child.depth,
    expires_at: child.exp,
  } as { [key: string]: JsonValue };
  const { trust } = await callAgent(() =>
    agentStub(c.env, parent.tenant, parent.id).recordDelegation(
      { id: parent.id, tenant: parent.tenant },
      'delegation_issue',
      issued,
    ),
  );
  const trustCeiling = Math.min(trust, rights.trustCeiling ?? 100);
  const token = await signDelegation(child, trustCeiling, key, c.env.TICKET_ISSUER, c.env.AUTH_AUDIENCE, now);
  return c.json(
    {
      token,
      agent: child.agent,
      jti: link.jti,
      exp: child.exp,
      depth: child.depth,
      root: child.root,
      chain: child.chain,
      actions: link.actions,
      resources: link.resources,
      roles: link.roles,
      budget_usd: link.budget_usd,
      trust_ceiling: trustCeiling,
    },
    201,
  );
});

// { token }: that delegation and everything below it. { agent } (operators): every chain the agent is in.
delegationRoutes.post('/delegations/revoke', async (c) => {
  const caller = c.get('principal');
  const body = await readJsonObject(c);
  for (const k of Object.keys(body))
    if (k !== 'token' && k !== 'agent')
      throw new ApiError('invalid_request', `${k}: is not a known field (expected token or agent)`);
  if ((body.token === undefined) === (body.agent === undefined))
    throw new ApiError('invalid_request', 'body: give either token (a delegation token) or agent (an agent id)');
  if (typeof body.agent === 'string') {
    if (caller.kind !== 'operator') throw new ApiError('forbidden', 'revoking an agent is for operators');
    const agent = body.agent;
    await callAgent(() => tenantStub(c.env, caller.tenant).revoke(`agent:${agent}`, caller.id));
    await callAgent(() =>
      agentStub(c.env, caller.tenant, agent).recordDelegation(
        { id: agent, tenant: caller.tenant },
        'delegation_revoke',
        { agent, by: caller.id },
      ),
    );
    return c.json({ revoked: { agent } });
  }
  if (typeof body.token !== 'string') throw new ApiError('invalid_request', 'token: must be a delegation token');
  let rights: Rights;
  try {
    rights = await verifyDelegation(body.token, publicJwks(c.env), c.env.TICKET_ISSUER, c.env.AUTH_AUDIENCE);
  } catch (err) {
    throw new ApiError(
      'invalid_request',
      `token: not a valid delegation token: ${(err as Error).message.toLowerCase()}`,
      { cause: err },
    );
  }
  if (rights.tenant !== caller.tenant) throw new ApiError('forbidden', "the delegation is another tenant's");
  const mayRevoke = caller.kind === 'operator' || rights.chain.includes(caller.id);
  if (!mayRevoke)
    throw new ApiError('forbidden', 'a delegation is revoked by an operator or by an agent above it in its chain');
  const jti = rights.links.at(-1)!.jti;
  await callAgent(() => tenantStub(c.env, caller.tenant).revoke(`jti:${jti}`, caller.id));
  const delegator = rights.chain.at(-1)!;
  await callAgent(() =>
    agentStub(c.env, caller.tenant, delegator).recordDelegation(
      { id: delegator, tenant: caller.tenant },
      'delegation_revoke',
      { jti, child: rights.agent, by: caller.id },
    ),
  );
  return c.json({ revoked: { jti, agent: rights.agent } });
});
