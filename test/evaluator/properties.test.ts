/**
 * Properties DESIGN §2 promises, checked on random policies and requests through both
 * engines: deny overrides, default deny, independence from rule order and duplication,
 * determinism, and nothing consumed on deny.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { consumption } from '../../src/engine/consumption.js';
import { compilePolicySet } from '../../src/policy/compile.js';
import { stateVerdict, type Verdict } from '../../src/policy/verdict.js';
import type { PolicySet, Rule } from '../../src/policy/model.js';
import { evaluateReference } from '../../src/policy/reference/evaluate.js';
import { policySet, request } from '../differential/arbitraries.js';
import { enginePair } from '../helpers/engines.js';

const enforced = policySet.map((p) => ({
  ...p,
  mode: 'enforce' as const,
  rules: p.rules.map((r) => ({ ...r, mode: null })),
}));
const ids = (p: PolicySet, o: Verdict) => o.rules.map((i) => p.rules[i].id);

describe('rule combining', () => {
  it('any matching deny rule denies, whatever else matches', async () => {
    await fc.assert(
      fc.asyncProperty(enforced, request, async (policy, r) => {
        const { wasm, reference } = await enginePair(policy);
        const out = reference(r);
        expect(wasm.evaluate(r)).toEqual(out);
        // Add an unconditional deny for exactly this action: the outcome must be deny.
        const deny: Rule = {
          ...policy.rules[0],
          id: 'zz-deny',
          effect: 'deny',
          actions: null,
          resources: null,
          agents: null,
          roles: null,
          when: null,
          limits: { rate: null, spend: null, tokens: null },
          mode: null,
        } as Rule;
        const withDeny = { ...policy, rules: [...policy.rules, deny] };
        const denied = evaluateReference(withDeny, r);
        expect(denied.decision).toBe('deny');
        if (!['suspended', 'unregistered_action', 'params', 'dlp', 'invalid_request'].includes(denied.code)) {
          expect(denied.code).toBe('rule');
          expect(ids(withDeny, denied)).toContain('zz-deny');
        }
      }),
      { numRuns: 300 },
    );
  });

  it('with no matching rule the answer is deny (default deny)', async () => {
    await fc.assert(
      fc.asyncProperty(enforced, request, async (policy, r) => {
        const { wasm } = await enginePair({ ...policy, rules: [] });
        const out = wasm.evaluate(r);
        expect(out.decision).toBe('deny');
        expect(out.rules).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it('the outcome does not depend on rule order or duplicated rules', async () => {
    await fc.assert(
      fc.asyncProperty(policySet, request, fc.nat(), async (policy, r, seed) => {
        const base = evaluateReference(policy, r);
        // Shuffle rules under fresh ids that keep their sorted order, and duplicate one.
        const order = policy.rules.map((_, i) => i).sort((a, b) => ((a * 7919 + seed) % 13) - ((b * 7919 + seed) % 13));
        const shuffled = order.map((i) => policy.rules[i]);
        const dup = shuffled.length > 0 ? [...shuffled, { ...shuffled[0] }] : shuffled;
        const renamed = dup.map((rule, i) => ({ ...rule, id: `q${String(i).padStart(2, '0')}`, original: rule.id }));
        const variant: PolicySet = { ...policy, rules: renamed };
        const { wasm } = await enginePair(variant);
        // Per-rule facts follow their rules to the new ids.
        const out = wasm.evaluate({
          ...r,
          facts: r.facts && {
            ...r.facts,
            rates: remapById(r.facts.rates, renamed),
            ledgers: remapById(r.facts.ledgers, renamed),
          },
        });
        expect(out.decision).toBe(base.decision);
        expect(out.code).toBe(base.code);
        const originalIds = new Set(out.rules.map((i) => (renamed[i] as { original: string }).original));
        expect([...originalIds].sort()).toEqual(ids(policy, base));
      }),
      { numRuns: 300 },
    );
  });

  it('is deterministic: the same request gives the same outcome, and the same policy the same bytes', async () => {
    await fc.assert(
      fc.asyncProperty(policySet, request, async (policy, r) => {
        expect(compilePolicySet(policy).bytes).toEqual(compilePolicySet(structuredClone(policy)).bytes);
        const { wasm } = await enginePair(policy);
        const first = wasm.evaluate(r);
        for (let i = 0; i < 3; i++) expect(wasm.evaluate(structuredClone(r))).toEqual(first);
      }),
      { numRuns: 200 },
    );
  });
});

describe('consumption', () => {
  it('nothing is consumed by a request that ends in deny or awaits approval', async () => {
    await fc.assert(
      fc.asyncProperty(policySet, request, async (policy, r) => {
        const { wasm } = await enginePair(policy);
        const out = wasm.evaluate(r);
        const used = consumption(out, wasm.info, r);
        const real = stateVerdict(out).decision;
        if (real !== 'allow') expect(used).toEqual({ rates: [], ledgers: [], micros: 0, tokens: 0, risk: 0 });
        else {
          const limited = out.rules.filter((i) => policy.rules[i].limits.rate !== null).map((i) => policy.rules[i].id);
          expect(used.rates).toEqual(limited);
          expect(used.micros).toBe(Math.round((r.cost?.usd ?? 0) * 1e6));
        }
      }),
      { numRuns: 300 },
    );
  });
});

/** Per-rule facts (rates, ledgers) keyed by the original ids, re-keyed to the renamed (and duplicated) rules. */
function remapById<T>(
  byRule: Record<string, T> | undefined,
  renamed: { id: string; original?: string }[],
): Record<string, T> | undefined {
  if (!byRule) return byRule;
  const out: Record<string, T> = {};
  for (const rule of renamed)
    if (rule.original && byRule[rule.original] !== undefined) out[rule.id] = byRule[rule.original];
  return out;
}
