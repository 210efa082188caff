/**
 * Outcomes: an agent never reports its own. The executor that redeemed a decision's ticket
 * (or an operator) reports that decision's outcome, once, and it settles exactly that
 * decision's reservation; where the registry prices an action, the cost comes from params.
 */
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../../src/embed/engine.js';
import { compilePolicies } from '../../../src/policy/compile.js';
import { POLICY_WASM } from '../../../src/worker/policy-source.js';
import { redeem, report } from '../flows.js';
import { call } from '../http.js';
import { agentToken } from '../tokens.js';

const chat = (usd: number) => ({
  action: 'llm.chat',
  resource: 'llm:openai',
  params: { model: 'gpt-4o-mini' },
  cost: { usd },
});
const usedBy = async (agent: string, rule: string) =>
  (await call('GET', `/v1/agents/${agent}`, { token: await agentToken(agent) })).body.budgets.find(
    (b: { rule: string; unit: string }) => b.rule === rule && b.unit === 'usd',
  ).used;

describe('outcomes', () => {
  it('POST /v1/outcomes with an agent token gets 403, and its trust is unchanged', async () => {
    const agent = 'self-reporter';
    const t = await agentToken(agent, ['assistant']);
    const { body: allowed } = await call('POST', '/v1/decide', { token: t, body: chat(1) });
    for (let i = 0; i < 10; i++) {
      const res = await call('POST', '/v1/outcomes', {
        token: t,
        body: { agent, decision: allowed.id, outcome: 'success', cost: { usd: 0 } },
      });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('forbidden');
    }
    const state = (await call('GET', `/v1/agents/${agent}`, { token: t })).body;
    expect(state.trust).toBe(50);
    expect(
      state.budgets.find((b: { rule: string; unit: string }) => b.rule === 'llm-chat' && b.unit === 'usd').used,
    ).toBe(1);
  });

  it("only the executor that redeemed the decision's ticket reports its outcome, once", async () => {
    const agent = 'settled-once';
    const { body: allowed } = await call('POST', '/v1/decide', {
      token: await agentToken(agent, ['assistant']),
      body: chat(1),
    });
    // Before any redemption, no executor may report it.
    expect((await report(agent, allowed.id, 'success')).status).toBe(403);
    expect((await redeem(allowed, chat(1))).status).toBe(200);
    expect((await report(agent, allowed.id, 'success', { executor: 'runner-2' })).status).toBe(403); // another executor
    const first = await report(agent, allowed.id, 'success');
    expect(first.status).toBe(200);
    expect(first.body.trust).toBe(52);
    const second = await report(agent, allowed.id, 'success');
    expect(second.status).toBe(409);
    expect(second.body.error.message).toMatch(/has no outcome to report/);
    expect((await call('GET', `/v1/agents/${agent}`, { token: await agentToken(agent) })).body.trust).toBe(52);
  });

  it("a report settles exactly that decision's reservation, at the reported cost", async () => {
    const agent = 'exact-settler';
    const t = await agentToken(agent, ['assistant']);
    const a = (await call('POST', '/v1/decide', { token: t, body: chat(3) })).body;
    const b = (await call('POST', '/v1/decide', { token: t, body: chat(5) })).body;
    expect(await usedBy(agent, 'llm-chat')).toBe(8);
    expect((await redeem(b, chat(5))).status).toBe(200);
    // b cost $2 in the end: its $5 reservation becomes $2 spent, and a's $3 stays reserved.
    expect((await report(agent, b.id, 'success', { cost: { usd: 2 } })).status).toBe(200);
    expect(await usedBy(agent, 'llm-chat')).toBe(5);
    // A report of $0 can't refund anything else: a is untouched until its own outcome.
    expect((await report(agent, b.id, 'success', { cost: { usd: 0 } })).status).toBe(409);
    expect(await usedBy(agent, 'llm-chat')).toBe(5);
    expect((await redeem(a, chat(3))).status).toBe(200);
    expect((await report(agent, a.id, 'failure', { cost: { usd: 4 } })).status).toBe(200); // an overrun is charged
    expect(await usedBy(agent, 'llm-chat')).toBe(6);
  });

  it("where the registry declares cost:, the cost comes from the params, whatever the request's cost says", async () => {
    const agent = 'payer-1';
    const t = await agentToken(agent, ['finance']);
    const pay = (amount: number, declared: number) => ({
      action: 'payments.send',
      resource: 'vendor:aws',
      params: { amount_usd: amount, vendor: 'aws' },
      cost: { usd: declared },
    });
    // Declared $0 for $90: $90 is reserved.
    expect((await call('POST', '/v1/decide', { token: t, body: pay(90, 0) })).body.decision).toBe('allow');
    expect(await usedBy(agent, 'payments-small')).toBe(90);
    // Declared $10,000 for $60: allowed, and $60 reserved.
    expect((await call('POST', '/v1/decide', { token: t, body: pay(60, 10_000) })).body.decision).toBe('allow');
    expect(await usedBy(agent, 'payments-small')).toBe(150);
  });

  it('in the embed API, engine.outcome takes the decision id', async () => {
    const engine = await createEngine({
      bundle: compilePolicies({
        'p.yaml': 'rules:\n  - id: any\n    effect: allow\n    limits: { spend: { usd: 10, per: day } }\n',
      }),
      wasm: POLICY_WASM,
    });
    const agent = { id: 'host-agent' };
    const a = engine.decide({ agent, action: 'x', resource: 'r', cost: { usd: 4 } });
    const b = engine.decide({ agent, action: 'x', resource: 'r', cost: { usd: 4 } });
    expect(engine.outcome({ agent, decision: a.id, outcome: 'success', cost: { usd: 1 } }).budgets[0].used).toBe(5);
    expect(() => engine.outcome({ agent, decision: a.id, outcome: 'success' })).toThrow(
      expect.objectContaining({ code: 'decision_not_open' }),
    );
    expect(engine.outcome({ agent, decision: b.id, outcome: 'success' }).budgets[0].used).toBe(5);
  });
});
