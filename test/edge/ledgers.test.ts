/**
 * Per-rule ledgers at the edge, in the agent's real Durable Object: each rule's spend
 * limit keeps its own ledger, `budgets:` keeps the agent-wide one, and money is integer
 * micro-dollars, so a thousand concurrent decisions land exactly on their limits.
 */
import { env, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { StatefulEngine } from '../../src/engine/stateful-engine.js';
import { WasmEvaluator } from '../../src/engine/wasm-evaluator.js';
import { compilePolicies } from '../../src/policy/compile.js';
import { POLICY_WASM } from '../../src/worker/policy-source.js';
import { SqlStateStore } from '../../src/worker/sql-store.js';

const POLICY = `
budgets: { spend: { usd: 1000, per: day } }
rules:
  - id: pay
    effect: allow
    actions: ["pay"]
    limits: { spend: { usd: 500, per: month } }
  - id: chat
    effect: allow
    actions: ["chat"]
    limits: { spend: { usd: 10, per: day } }
  - id: buy
    effect: allow
    actions: ["buy"]
`;

let run = 0;

/** A fresh agent object running POLICY. */
async function agentObject() {
  const stub = env.AGENTS.get(env.AGENTS.idFromName(`ledgers:${run++}:${Date.now()}`));
  const evaluator = await WasmEvaluator.create(POLICY_WASM, compilePolicies({ 'p.yaml': POLICY }).bytes);
  await runInDurableObject(stub, (instance, ctx) => {
    (instance as unknown as { engine: StatefulEngine }).engine = new StatefulEngine(
      evaluator,
      new SqlStateStore(ctx.storage.sql),
    );
  });
  return stub;
}

const agent = { id: 'spender', tenant: 'acme' };

describe('per-rule ledgers at the edge', () => {
  it('1,000 concurrent payments and chats against separate limits: exactly 100 of each are allowed', async () => {
    const stub = await agentObject();
    const pay = { agent, action: 'pay', resource: 'vendor', cost: { usd: 5 } };
    const chat = { agent, action: 'chat', resource: 'llm', cost: { usd: 0.1 } };
    const results = await Promise.all(
      Array.from({ length: 1000 }, (_, i) =>
        stub.decide(i % 2 === 0 ? pay : chat).then((d) => ({ action: i % 2 === 0 ? 'pay' : 'chat', d })),
      ),
    );
    const allowed = (action: string) => results.filter((r) => r.action === action && r.d.decision === 'allow').length;
    expect(allowed('pay')).toBe(100); // $500 a month at $5
    expect(allowed('chat')).toBe(100); // $10 a day at $0.10, whatever the payments spent
    for (const r of results.filter((x) => x.d.decision === 'deny'))
      expect(r.d).toMatchObject({ code: 'budget_exceeded', reasons: [{ rule: r.action }] });
    const { budgets } = await stub.state(agent);
    expect(budgets).toEqual([
      { rule: 'chat', per: 'day', unit: 'usd', limit: 10, used: 10, remaining: 0 },
      { rule: 'pay', per: 'month', unit: 'usd', limit: 500, used: 500, remaining: 0 },
      { rule: null, per: 'day', unit: 'usd', limit: 1000, used: 510, remaining: 490 },
    ]);
  });

  it("a $985 purchase doesn't touch the chat rule's $10 a day, and cents add up with no drift", async () => {
    const stub = await agentObject();
    expect((await stub.decide({ agent, action: 'buy', resource: 'vendor', cost: { usd: 985 } })).decision).toBe(
      'allow',
    );
    for (let i = 0; i < 99; i++)
      expect((await stub.decide({ agent, action: 'chat', resource: 'llm', cost: { usd: 0.1 } })).decision).toBe(
        'allow',
      );
    // 99 × $0.10 is $9.90 exactly: one more dime fits, a dime and a cent does not.
    expect((await stub.decide({ agent, action: 'chat', resource: 'llm', cost: { usd: 0.11 } })).code).toBe(
      'budget_exceeded',
    );
    expect((await stub.decide({ agent, action: 'chat', resource: 'llm', cost: { usd: 0.1 } })).decision).toBe('allow');
    const { budgets } = await stub.state(agent);
    expect(budgets.find((b) => b.rule === 'chat')).toMatchObject({ used: 10, remaining: 0 });
    expect(budgets.find((b) => b.rule === null)).toMatchObject({ used: 995, remaining: 5 });
    // The agent-wide $1,000 a day holds every rule: $5 more fits exactly, a micro-dollar more does not.
    expect((await stub.decide({ agent, action: 'pay', resource: 'vendor', cost: { usd: 5 } })).decision).toBe('allow');
    expect((await stub.decide({ agent, action: 'pay', resource: 'vendor', cost: { usd: 0.000001 } })).code).toBe(
      'budget_exceeded',
    );
  });

  it('more than six decimals is refused, and nothing is reserved', async () => {
    const stub = await agentObject();
    const d = await stub.decide({ agent, action: 'chat', resource: 'llm', cost: { usd: 0.0000001 } });
    expect(d).toMatchObject({
      decision: 'deny',
      code: 'invalid_request',
      reasons: [{ message: expect.stringContaining('cost.usd: must be a dollar amount with at most 6 decimals') }],
    });
    expect((await stub.state(agent)).budgets.every((b) => b.used === 0)).toBe(true);
  });
});
