import { beforeEach, describe, expect, it } from 'vitest';
import { evaluatorModule } from '../helpers/engines.js';
import { compilePolicies } from '../../src/policy/compile.js';
import { MemoryStore } from '../../src/engine/state/store.js';
import { StatefulEngine, type EngineRequest } from '../../src/engine/stateful-engine.js';
import { WasmEvaluator } from '../../src/engine/wasm-evaluator.js';

const POLICY = `
trust: { initial: 50, success: 5, failure: -5, exception: -10, violation: -20 }
risk: { window: 1h, escalate_at: 10, deny_at: 20 }
breaker: { denies: 3, window: 1m, cooldown: 10m }
rules:
  - id: llm
    effect: allow
    actions: ["llm.chat"]
    limits: { rate: 5/minute, spend: { usd: 10, per: day } }
  - id: prod
    effect: allow
    actions: ["db.query"]
    when: agent.trust >= 60
    risk: 4
  - id: nope
    effect: deny
    actions: ["shell"]
`;

let now = Date.parse('2026-11-23T10:00:00Z');
let engine: StatefulEngine;
const agent = { id: 'a1', tenant: 'acme' };
const chat = (extra: Partial<EngineRequest> = {}): EngineRequest => ({
  agent,
  action: 'llm.chat',
  resource: 'llm:x',
  ...extra,
});

/** Reports `outcome` for a fresh allowed chat (an outcome always names the decision it settles). */
function settleChat(outcome: 'success' | 'failure' | 'exception' | 'violation') {
  now += 20_000; // within the chat rule's 5 a minute
  const allowed = engine.decide(chat());
  expect(allowed.decision).toBe('allow');
  return engine.outcome({ agent, decision: allowed.id, outcome });
}

async function engineFor(policy: string): Promise<StatefulEngine> {
  const evaluator = await WasmEvaluator.create(evaluatorModule(), compilePolicies({ 'p.yaml': policy }).bytes);
  return new StatefulEngine(evaluator, new MemoryStore(), () => now);
}

beforeEach(async () => {
  now = Date.parse('2026-11-23T10:00:00Z');
  engine = await engineFor(POLICY);
});

describe('budgets', () => {
  it('1,000 decisions at $0.10 against $10 a day allow exactly 100, and the ledger equals their sum', () => {
    let allowed = 0;
    for (let i = 0; i < 1000; i++) {
      now += 15_000; // 4 a minute, under the rate limit; 1,000 of them stay within one UTC day
      if (engine.decide(chat({ cost: { usd: 0.1 } })).decision === 'allow') allowed++;
    }
    expect(allowed).toBe(100);
    const budget = engine.state(agent).budgets.find((b) => b.unit === 'usd')!;
    expect(budget.used).toBeCloseTo(10, 9);
    expect(budget.remaining).toBeGreaterThanOrEqual(0);
  });

  it('outcomes settle reservations: refund what was unused, charge overruns', () => {
    const first = engine.decide(chat({ cost: { usd: 4 } }));
    expect(engine.state(agent).budgets[0].used).toBe(4);
    engine.outcome({ agent, decision: first.id, outcome: 'success', cost: { usd: 1 } });
    expect(engine.state(agent).budgets[0].used).toBe(1);
    const second = engine.decide(chat({ cost: { usd: 2 } }));
    engine.outcome({ agent, decision: second.id, outcome: 'success', cost: { usd: 3 } });
    expect(engine.state(agent).budgets[0].used).toBe(4);
  });

  it('an outcome settles exactly the decision it names, once', () => {
    const a = engine.decide(chat({ cost: { usd: 3 } }));
    const b = engine.decide(chat({ cost: { usd: 5 } }));
    expect(engine.state(agent).budgets[0].used).toBe(8);
    // b's report moves b's reservation only: a's $3 stays reserved.
    engine.outcome({ agent, decision: b.id, outcome: 'success', cost: { usd: 0 } });
    expect(engine.state(agent).budgets[0].used).toBe(3);
    expect(() => engine.outcome({ agent, decision: b.id, outcome: 'success', cost: { usd: 0 } })).toThrow(
      expect.objectContaining({ code: 'decision_not_open' }),
    );
    expect(engine.state(agent).budgets[0].used).toBe(3);
    // A decision that was denied has nothing to settle, and moves no trust.
    const denied = engine.decide({ agent, action: 'shell', resource: 'x' });
    expect(() => engine.outcome({ agent, decision: denied.id, outcome: 'success' })).toThrow(
      /has no outcome to report/,
    );
    expect(engine.state(agent).trust).toBe(55);
    engine.outcome({ agent, decision: a.id, outcome: 'success' });
    expect(engine.state(agent).budgets[0].used).toBe(3); // a's estimate stands as spent
  });

  it('the daily budget starts over at UTC midnight', () => {
    now = Date.parse('2026-11-23T23:59:00Z');
    expect(engine.decide(chat({ cost: { usd: 10 } })).decision).toBe('allow');
    expect(engine.decide(chat({ cost: { usd: 0.01 } })).code).toBe('budget_exceeded');
    now = Date.parse('2026-11-24T00:00:00Z');
    expect(engine.decide(chat({ cost: { usd: 0.01 } })).decision).toBe('allow');
  });
});

describe('ledgers', () => {
  it("an outcome settles the rule's own ledger and the agent-wide one, in micro-dollars", async () => {
    engine = await engineFor(`${POLICY}budgets: { spend: { usd: 50, per: day } }\n`);
    const d = engine.decide(chat({ cost: { usd: 1.000001 } }));
    expect(d.decision).toBe('allow');
    const budget = (rule: string | null) =>
      engine.state(agent).budgets.find((b) => b.rule === rule && b.unit === 'usd')!;
    expect(budget('llm')).toMatchObject({ used: 1.000001, remaining: 8.999999 });
    expect(budget(null)).toMatchObject({ used: 1.000001, remaining: 48.999999 });
    engine.outcome({ agent, decision: d.id, outcome: 'success', cost: { usd: 0.3 } });
    expect(budget('llm')).toMatchObject({ used: 0.3, remaining: 9.7 });
    expect(budget(null)).toMatchObject({ used: 0.3, remaining: 49.7 });
    expect(() =>
      engine.outcome({ agent, decision: engine.decide(chat()).id, outcome: 'success', cost: { usd: 0.1234567 } }),
    ).toThrow(/at most 6 decimals/);
  });
});

describe('rate windows', () => {
  it('allow exactly N per sliding window under 10× load, with no boundary burst', async () => {
    // The breaker stays on: by default it does not count rate_limited denials.
    let allowed = 0;
    for (let i = 0; i < 50; i++) if (engine.decide(chat()).decision === 'allow') allowed++;
    expect(allowed).toBe(5);
    now += 59_999;
    expect(engine.decide(chat()).code).toBe('rate_limited');
    now += 1; // the first five leave the window exactly one minute after they entered it
    allowed = 0;
    for (let i = 0; i < 50; i++) if (engine.decide(chat()).decision === 'allow') allowed++;
    expect(allowed).toBe(5);
    expect(engine.state(agent).rates).toEqual([{ rule: 'llm', limit: 5, windowMs: 60_000, used: 5, remaining: 0 }]);
  });
});

describe('idempotency', () => {
  it('a malformed request with an idempotency key is denied, never thrown, and keeps nothing', () => {
    const bad = chat({ cost: { usd: NaN }, idempotency_key: 'k-bad' });
    expect(engine.decide(bad)).toMatchObject({
      decision: 'deny',
      code: 'invalid_request',
      reasons: [{ message: 'cost.usd: must be a finite number, not NaN' }],
    });
    expect(engine.decide(chat({ idempotency_key: 'k-bad' })).decision).toBe('allow'); // the key was not taken
    expect(engine.decide(chat({ idempotency_key: 'k'.repeat(129) }))).toMatchObject({
      code: 'invalid_request',
      reasons: [{ message: 'idempotency_key: is longer than 128 characters' }],
    });
  });

  it('retries with the same key return the same decision and consume once', () => {
    const first = engine.decide(chat({ cost: { usd: 1 }, idempotency_key: 'k1' }));
    for (let i = 0; i < 10; i++)
      expect(engine.decide(chat({ cost: { usd: 1 }, idempotency_key: 'k1' }))).toEqual(first);
    expect(engine.state(agent).budgets[0].used).toBe(1);
    expect(engine.state(agent).rates[0].used).toBe(1);
  });
});

describe('trust, risk, breaker and suspension', () => {
  it('every view counts only what is still inside its windows', () => {
    for (let i = 0; i < 3; i++) engine.decide(chat());
    now += 60_000;
    expect(settleChat('success').rates[0].used).toBe(1); // the chat that was settled
    now += 60_000;
    expect(engine.state(agent).rates[0].used).toBe(0);
    expect(engine.setKilled(agent, false).rates[0].used).toBe(0);
  });

  it('outcomes move trust within 0-100, and a trust-gated rule flips at its threshold', () => {
    const query = { agent, action: 'db.query', resource: 'db:prod' };
    expect(engine.decide(query).decision).toBe('deny');
    settleChat('success');
    expect(engine.state(agent).trust).toBe(55);
    expect(engine.decide(query).decision).toBe('deny');
    settleChat('success');
    expect(engine.state(agent).trust).toBe(60);
    expect(engine.decide(query).decision).toBe('allow');
    for (let i = 0; i < 10; i++) settleChat('violation');
    expect(engine.state(agent).trust).toBe(0);
  });

  it('rolling risk escalates, then denies, then decays with its window', () => {
    const query = { agent, action: 'db.query', resource: 'db:prod' };
    settleChat('success');
    settleChat('success');
    const codes = Array.from({ length: 6 }, () => engine.decide(query)).map((d) => `${d.decision}/${d.code}`);
    // risk 4 per allow: 0, 4, 8 allow; 12, 16 escalate (nothing consumed); still 12 → escalate
    expect(codes).toEqual([
      'allow/rule',
      'allow/rule',
      'allow/rule',
      'require_approval/risk',
      'require_approval/risk',
      'require_approval/risk',
    ]);
    expect(engine.state(agent).risk).toEqual({ value: 12, escalateAt: 10, denyAt: 20 });
    now += 3_600_000;
    expect(engine.decide(query).code).toBe('rule');
  });

  it('the breaker suspends after 3 denials in a minute, then resumes after its cooldown', () => {
    for (let i = 0; i < 3; i++) expect(engine.decide({ agent, action: 'shell', resource: 'h' }).code).toBe('rule');
    const suspended = engine.decide(chat());
    expect(suspended).toMatchObject({ decision: 'deny', code: 'suspended' });
    expect(engine.state(agent)).toMatchObject({
      suspended: true,
      suspension: 'breaker',
      suspendedUntil: new Date(now + 600_000).toISOString(),
    });
    now += 600_000;
    expect(engine.decide(chat()).decision).toBe('allow');
    expect(engine.state(agent).suspended).toBe(false);
  });

  it('hitting a limit never trips the breaker by default: 300 calls, 5 allowed, the rest rate_limited, none suspended', () => {
    const codes = new Set<string>();
    for (let i = 0; i < 300; i++) codes.add(engine.decide(chat()).code);
    expect([...codes].sort()).toEqual(['rate_limited', 'rule']);
    expect(engine.state(agent).suspended).toBe(false);
  });

  it('count: names the codes the breaker counts', async () => {
    engine = await engineFor(
      POLICY.replace(/breaker: .*\n/, 'breaker: { denies: 3, window: 1m, cooldown: 10m, count: [rate_limited] }\n'),
    );
    for (let i = 0; i < 5; i++) engine.decide({ agent, action: 'shell', resource: 'h' });
    expect(engine.state(agent).suspended).toBe(false); // a rule deny is not counted now
    for (let i = 0; i < 5; i++) expect(engine.decide(chat()).code).toBe('rule');
    for (let i = 0; i < 3; i++) expect(engine.decide(chat()).code).toBe('rate_limited');
    expect(engine.decide(chat()).code).toBe('suspended');
  });

  it("the operator's kill switch applies to the very next decision, and resume lifts it", () => {
    expect(engine.decide(chat()).decision).toBe('allow');
    engine.setKilled(agent, true);
    expect(engine.decide(chat()).code).toBe('suspended');
    expect(engine.state(agent).suspension).toBe('operator');
    engine.setKilled(agent, false);
    expect(engine.decide(chat()).decision).toBe('allow');
  });

  it('agents are kept apart by tenant and id', async () => {
    engine = await engineFor(POLICY.replace(/breaker: .*\n/, ''));
    for (let i = 0; i < 5; i++) engine.decide(chat());
    expect(engine.decide(chat()).code).toBe('rate_limited');
    expect(engine.decide(chat({ agent: { id: 'a1', tenant: 'other' } })).decision).toBe('allow');
    expect(engine.decide(chat({ agent: { id: 'a2', tenant: 'acme' } })).decision).toBe('allow');
  });
});

describe('bad input', () => {
  it('denies requests that carry their own facts, or are malformed, and consumes nothing', () => {
    const forged = engine.decide({ ...chat(), facts: { trust: 100 } } as EngineRequest);
    expect(forged).toMatchObject({ decision: 'deny', code: 'invalid_request' });
    expect(engine.decide({ ...chat(), cost: { usd: NaN } })).toMatchObject({
      decision: 'deny',
      code: 'invalid_request',
    });
    expect(engine.decide({ agent: { id: 5 }, action: 'llm.chat', resource: 'x' } as never).code).toBe(
      'invalid_request',
    );
    expect(engine.state(agent).rates[0].used).toBe(0);
    const allowed = engine.decide(chat());
    expect(() => engine.outcome({ agent, decision: allowed.id, outcome: 'great' as never })).toThrow(
      /outcome: must be one of success, failure, exception, violation/,
    );
    expect(() => engine.outcome({ agent, decision: allowed.id, outcome: 'success', cost: { usd: -1 } })).toThrow(
      /cost\.usd/,
    );
    expect(() => engine.outcome({ agent, decision: 'not-a-decision', outcome: 'success' })).toThrow(
      /decision: must be the id/,
    );
  });
});
