/**
 * Properties of DESIGN §2's two safety promises, on random policies and requests through
 * both engines: shadow rules never change what is enforced, and an evaluation error never
 * widens access.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PolicySet } from '../../src/policy/model.js';
import { evaluateReference } from '../../src/policy/reference/evaluate.js';
import { jsonValue, policySet, request } from '../differential/arbitraries.js';
import { enginePair } from '../helpers/engines.js';

const enforcing = policySet.map((p) => ({
  ...p,
  mode: 'enforce' as const,
  rules: p.rules.filter((r) => r.mode !== 'shadow'),
}));

describe('shadow rules', () => {
  it('adding rules in mode: shadow never changes the enforced answer, and `shadow` reports what they would do', async () => {
    await fc.assert(
      fc.asyncProperty(enforcing, policySet, request, async (base, extra, r) => {
        // The added rules sort after the base ones ('s..' > 'r..'), so base rule indices hold.
        const added = extra.rules.map((rule, i) => ({ ...rule, id: `s${String(i).padStart(2, '0')}` }));
        const withShadow: PolicySet = {
          ...base,
          rules: [...base.rules, ...added.map((rule) => ({ ...rule, mode: 'shadow' as const }))],
        };
        const turnedOn: PolicySet = {
          ...base,
          rules: [...base.rules, ...added.map((rule) => ({ ...rule, mode: null }))],
        };
        const { wasm, reference } = await enginePair(withShadow);
        const answered = reference(r);
        expect(wasm.evaluate(r)).toEqual(answered);

        const without = evaluateReference(base, r);
        expect({ decision: answered.decision, code: answered.code, rules: answered.rules }).toEqual({
          decision: without.decision,
          code: without.code,
          rules: without.rules,
        });
        const would = evaluateReference(turnedOn, r);
        const differs = would.decision !== without.decision || would.code !== without.code;
        // The rules reported are the shadow rules among those behind what would have been decided.
        const shadowRules = would.rules.filter((i) => i >= base.rules.length);
        expect(answered.shadow).toEqual(
          differs ? { decision: would.decision, code: would.code, rules: shadowRules } : null,
        );
      }),
      { numRuns: 500 },
    );
  });
});

/** Half the rules compare a context value of random type with a number, so type errors are common. */
const erringPolicy = fc
  .tuple(policySet, fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }))
  .map(([policy, flips]) => ({
    ...policy,
    rules: policy.rules.map((rule, i) =>
      flips[i]
        ? {
            ...rule,
            actions: null,
            resources: null,
            agents: null,
            roles: null,
            when: {
              kind: 'binary' as const,
              op: '<' as const,
              left: { kind: 'path' as const, root: 'context' as const, keys: ['q'], text: 'context.q', pos: 0 },
              right: { kind: 'literal' as const, value: 1, pos: 0 },
              pos: 0,
            },
          }
        : rule,
    ),
  }));

const requestWithQ = fc.tuple(request, jsonValue).map(([r, q]) => ({ ...r, context: { ...r.context, q } }));

describe('evaluation errors', () => {
  it('never turn a decision into allow: an errored condition counts as false in an allow rule and true in any other', async () => {
    let erroring = 0;
    await fc.assert(
      fc.asyncProperty(erringPolicy, requestWithQ, async (policy, r) => {
        const { wasm, reference } = await enginePair(policy);
        const answered = reference(r);
        expect(wasm.evaluate(r)).toEqual(answered);
        for (const error of answered.errors) {
          if (error.kind === 'missing_attribute') continue;
          erroring++;
          const without = evaluateReference({ ...policy, rules: policy.rules.filter((_, i) => i !== error.rule) }, r);
          if (answered.decision === 'allow') expect(without.decision).toBe('allow');
          // Fail closed: the condition counts as false for an allow rule, as true for any other.
          const value = policy.rules[error.rule].effect !== 'allow';
          const decided = evaluateReference(
            {
              ...policy,
              rules: policy.rules.map((rule, i) =>
                i === error.rule ? { ...rule, when: { kind: 'literal', value, pos: 0 } } : rule,
              ),
            },
            r,
          );
          expect({ decision: answered.decision, code: answered.code, rules: answered.rules }).toEqual({
            decision: decided.decision,
            code: decided.code,
            rules: decided.rules,
          });
        }
      }),
      { numRuns: 1000 },
    );
    // The property means something only if random conditions do error.
    expect(erroring).toBeGreaterThan(50);
  });
});
