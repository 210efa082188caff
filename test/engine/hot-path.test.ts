/**
 * What the stateful path keeps between decisions so that each costs less, checked against
 * doing the work afresh: the UTC period keys cached per day, decision ids drawn from a pool
 * of random bytes, and each action's cost rule remembered.
 */
import { describe, expect, it } from 'vitest';
import { newDecisionId } from '../../src/engine/describe.js';
import { Pricing } from '../../src/engine/pricing.js';
import { periodKeys } from '../../src/engine/state/agent-record.js';
import { decodeBundle } from '../../src/policy/bundle/decode.js';
import { compilePolicies } from '../../src/policy/compile.js';

const fresh = (ms: number) => {
  const iso = new Date(ms).toISOString();
  return { day: iso.slice(0, 10), month: iso.slice(0, 7) };
};

describe('the hot path', () => {
  it('period keys are right across day and month turns, in any order of times', () => {
    const times = [
      Date.UTC(2026, 11, 31, 23, 59, 59, 999),
      Date.UTC(2027, 0, 1),
      Date.UTC(2026, 11, 31, 12),
      Date.UTC(2027, 0, 1, 23, 59, 59, 999),
      Date.UTC(2027, 0, 2),
      0,
      -1,
      Date.UTC(2024, 1, 29, 0, 0, 0, 1),
    ];
    for (let round = 0; round < 3; round++) for (const t of times) expect(periodKeys(t), String(t)).toEqual(fresh(t));
  });

  it('decision ids are dec_ and 32 hex digits, never repeated, across pool refills', () => {
    const ids = Array.from({ length: 10_000 }, newDecisionId);
    for (const id of ids) expect(id).toMatch(/^dec_[0-9a-f]{32}$/);
    expect(new Set(ids).size).toBe(ids.length);
    // Every hex digit turns up in every position: the bytes are random, not a counter.
    for (let at = 4; at < 36; at++) expect(new Set(ids.map((id) => id[at])).size, `digit ${at}`).toBe(16);
  });

  it("an action's remembered cost rule prices as the registry does, however many actions agents invent", () => {
    const info = decodeBundle(
      compilePolicies({
        'p.yaml': `actions:
  - match: "payments.send"
    params: { amount_usd: { type: number, required: true } }
    cost: { usd: params.amount_usd }
  - match: "llm.*"
    params: { tokens: { type: number } }
    cost: { tokens: params.tokens }
rules:
  - id: all
    effect: allow
`,
      }).bytes,
    );
    const pricing = new Pricing(info);
    const agent = { id: 'a' };
    for (let i = 0; i < 10_000; i++) {
      expect(pricing.price({ agent, action: `made.up.${i}`, resource: 'r', cost: { usd: 1 } })).toEqual({
        request: { agent, action: `made.up.${i}`, resource: 'r', cost: { usd: 1 } },
      });
      const paid = pricing.price({ agent, action: 'payments.send', resource: 'r', params: { amount_usd: i } });
      expect(paid).toMatchObject({ request: { cost: { usd: i } } });
      const chat = pricing.price({ agent, action: 'llm.chat', resource: 'r', params: { tokens: i } });
      expect(chat).toMatchObject({ request: { cost: { tokens: i } } });
    }
    expect(pricing.price({ agent, action: 'payments.send', resource: 'r', params: {} })).toHaveProperty('problem');
  });
});
