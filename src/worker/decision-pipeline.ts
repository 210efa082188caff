/**
 * @module
 * The decision pipeline every governed call goes through: `/v1/decide`, its batch form and
 * the MCP gateway's tool calls. The agent, its tenant, roles and delegation come from its
 * verified token, never from the body. A delegated agent's cost is first reserved against
 * every budgeted link of its chain (a link's budget bounds its whole subtree), and given
 * back when the decision is a deny (a require_approval keeps it: a human may approve it later).
 */
import { Pricing } from '../engine/pricing.js';
import { toMicros } from '../policy/money.js';
import type { EngineRequest } from '../engine/stateful-engine.js';
import { requestProblem } from '../policy/request-check.js';
import type { DelegatedScope, EdgeDecision } from './agent-rpc.js';
import { agentCalls, callAgent } from './agents.js';
import type { AppContext } from './env.js';
import { ApiError } from './errors.js';
import { policyInfo } from './policy-source.js';
import type { AgentPrincipal } from './principal.js';
import { tenantStub } from './tenant-object.js';

const pricing = new Pricing(policyInfo);

/** A decision request from a body: the agent comes from the token, never from the body. */
export function engineRequest(body: unknown, agent: AgentPrincipal, field: string): EngineRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new ApiError('invalid_request', `${field}: must be a json object`);
  for (const key of ['agent', 'facts', 'delegation']) {
    if (key in body)
      throw new ApiError(
        'invalid_request',
        `${field}.${key}: is not a known field (the agent and its delegation come from the token)`,
      );
  }
  const request = {
    ...(body as object),
    agent: { id: agent.id, tenant: agent.tenant, roles: agent.roles },
  } as EngineRequest;
  // Every agent stands in a chain: its own token makes it the root (depth 0) of its own.
  const d = agent.delegation;
  request.delegation = d ? { depth: d.depth, root: d.root, chain: d.chain } : { depth: 0, root: agent.id, chain: [] };
  const problem = requestProblem(request);
  if (problem !== null) throw new ApiError('invalid_request', field === 'body' ? problem : `${field}.${problem}`);
  return request;
}

/** What bounds a delegated agent's decisions in its object; undefined for an agent on its own token. */
function delegatedScope(agent: AgentPrincipal, budgetRefusal: string | null): DelegatedScope | undefined {
  return agent.delegation
    ? { links: agent.delegation.links, trustCeiling: agent.delegation.trustCeiling, budgetRefusal }
    : undefined;
}

/** The budgeted links above a delegated agent. */
function budgetedLinks(agent: AgentPrincipal): { jti: string; agent: string; budget_usd: number }[] {
  return (agent.delegation?.links ?? []).filter((l): l is typeof l & { budget_usd: number } => l.budget_usd !== null);
}

/**
 * Decides `requests` in the agent's object. Below a budgeted delegation, each request's
 * cost is reserved on the chain first (a refusal is a deny with code `delegation`), and
 * returned for every request that ended in deny.
 */
export async function decideAll(
  c: AppContext,
  agent: AgentPrincipal,
  requests: EngineRequest[],
): Promise<EdgeDecision[]> {
  const stub = agentCalls(c.env, agent.tenant, agent.id);
  const decide = (refusal: string | null = null) =>
    callAgent(() =>
      stub.decideBatch(requests, c.get('requestId'), delegatedScope(agent, refusal), c.get('halt') !== null),
    );
  const links = budgetedLinks(agent);
  if (links.length === 0) return decide();
  const tenant = tenantStub(c.env, agent.tenant);
  const day = new Date().toISOString().slice(0, 10);
  // In micro-dollars, so the subtree's sums are exact.
  const costs = requests.map((r) => {
    const priced = pricing.price(r);
    return 'request' in priced ? (toMicros(priced.request.cost?.usd ?? 0) ?? 0) : 0;
  });
  const total = costs.reduce((a, b) => a + b, 0);
  const refused = total > 0 ? await callAgent(() => tenant.reserveDelegated(links, total, day)) : null;
  if (refused !== null) return decide(refused); // denied (and audited) in the agent's object, code `delegation`
  const answers = await decide(); // if this fails, the reservation stands: nothing is allowed twice
  const unused = answers.reduce((sum, a, i) => sum + (a.decision === 'deny' ? costs[i] : 0), 0);
  if (unused > 0) await callAgent(() => tenant.releaseDelegated(links, unused, day));
  return answers;
}
