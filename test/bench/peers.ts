/**
 * The peers Tollgate is measured against, each deciding the same generated policy:
 * `@cedar-policy/cedar-wasm` (policies parsed once) and `@marcbachmann/cel-js` (each
 * rule's condition parsed once, candidate rules found by action in a Map).
 */
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { parse } from '@marcbachmann/cel-js';
import type { EvalRequest } from '../../src/policy/verdict.js';
import { toCedar, toCel, type BenchRule } from './agent-policy.js';

export type Decide = (r: EvalRequest) => 'allow' | 'deny';

let policySetCount = 0;

export function cedarDecider(rules: BenchRule[]): Decide {
  const id = `bench-${policySetCount++}`;
  const parsed = cedar.preparsePolicySet(id, { staticPolicies: toCedar(rules) });
  if (parsed.type !== 'success') throw new Error(`cedar rejected the policy: ${JSON.stringify(parsed.errors[0])}`);
  return (r) => {
    const answer = cedar.statefulIsAuthorized({
      principal: { type: 'Agent', id: r.agent.id },
      action: { type: 'Action', id: r.action },
      resource: { type: 'Resource', id: r.resource },
      context: r.context as Record<string, cedar.CedarValueJson>,
      preparsedPolicySetId: id,
      entities: [
        {
          uid: { type: 'Agent', id: r.agent.id },
          attrs: { trust: r.facts!.trust!, roles: r.agent.roles! },
          parents: [],
        },
        { uid: { type: 'Resource', id: r.resource }, attrs: { name: r.resource }, parents: [] },
      ],
    });
    if (answer.type !== 'success') throw new Error(`cedar failed: ${JSON.stringify(answer.errors[0])}`);
    return answer.response.decision;
  };
}

export function celDecider(rules: BenchRule[]): Decide {
  const byAction = new Map<string, { effect: 'allow' | 'deny'; when: ReturnType<typeof parse> }[]>();
  for (const r of rules) {
    const list = byAction.get(r.action) ?? [];
    list.push({ effect: r.effect, when: parse(toCel(r)) });
    byAction.set(r.action, list);
  }
  return (r) => {
    const candidates = byAction.get(r.action);
    if (!candidates) return 'deny';
    const vars = { resource: r.resource, agent: { roles: r.agent.roles, trust: r.facts!.trust }, context: r.context };
    let allowed = false;
    for (const c of candidates) {
      if (c.when(vars) !== true) continue;
      if (c.effect === 'deny') return 'deny';
      allowed = true;
    }
    return allowed ? 'allow' : 'deny';
  };
}
