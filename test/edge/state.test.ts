/**
 * The agent's Durable Object keeps exact state under concurrency, and its transitions.
 */
import { env, runInDurableObject } from 'cloudflare:test';
import { stubOf } from './agents.js';
import { actAndReport } from './flows.js';
import { agentKey } from '../../src/engine/stateful-engine.js';
import { describe, expect, it } from 'vitest';
import { call } from './http.js';
import { agentToken, operatorToken } from './tokens.js';

let counter = 0;
const fresh = (prefix: string) => `${prefix}-${++counter}-${Date.now()}`;

// The concurrency tests call the agent's Durable Object through its real RPC stub: in this
// test harness, SELF.fetch slows down quadratically with the number of requests in flight
// (100 concurrent /healthz calls take seconds), which says nothing about the Worker.
// One test keeps the whole HTTP path under concurrent load.
function stubFor(id: string) {
  return stubOf(id);
}

describe('concurrency', () => {
  it('1,000 concurrent decisions at $0.10 against $10 a day allow exactly 100; the ledger equals their sum', async () => {
    const id = fresh('embedder');
    const request = {
      action: 'llm.embed',
      resource: 'llm:openai',
      cost: { usd: 0.1 },
      agent: { id, tenant: 'acme', roles: ['assistant'] },
    };
    const stub = stubFor(id);
    const results = await Promise.all(Array.from({ length: 1000 }, () => stub.decide(request)));
    const allowed = results.filter((d) => d.decision === 'allow').length;
    expect(allowed).toBe(100);
    expect(results.filter((d) => d.decision === 'deny').length).toBe(900);
    const budget = (await stub.state({ id, tenant: 'acme' })).budgets.find(
      (b) => b.rule === 'llm-embed' && b.unit === 'usd',
    )!;
    expect(budget.used).toBeCloseTo(10, 9);
    expect(budget.remaining).toBeGreaterThanOrEqual(0);
    const http = await call('GET', `/v1/agents/${id}`, { token: await agentToken(id, ['assistant']) });
    expect(http.body.budgets.find((b: { rule: string }) => b.rule === 'llm-embed').used).toBeCloseTo(10, 9);
  });

  it('a rate of 10/minute under 10× load allows exactly 10', async () => {
    const id = fresh('poster');
    const request = {
      action: 'slack.post',
      resource: 'slack:acme',
      params: { channel: '#eng', text: 'hi' },
      agent: { id, tenant: 'acme', roles: ['assistant'] },
    };
    const stub = stubFor(id);
    const results = await Promise.all(Array.from({ length: 100 }, () => stub.decide(request)));
    expect(results.filter((d) => d.decision === 'allow').length).toBe(10);
  });

  it('through HTTP too: 40 concurrent posts against 10/minute allow exactly 10', async () => {
    const t = await agentToken(fresh('http-poster'), ['assistant']);
    const body = { action: 'slack.post', resource: 'slack:acme', params: { channel: '#eng', text: 'hi' } };
    const results = await Promise.all(Array.from({ length: 40 }, () => call('POST', '/v1/decide', { token: t, body })));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(results.filter((r) => r.body.decision === 'allow').length).toBe(10);
  });

  it('retries with the same idempotency key return the same decision and consume once', async () => {
    const id = fresh('retrier');
    const t = await agentToken(id, ['assistant']);
    const body = { action: 'llm.embed', resource: 'llm:openai', cost: { usd: 1 }, idempotency_key: 'job-42' };
    const results = await Promise.all(Array.from({ length: 20 }, () => call('POST', '/v1/decide', { token: t, body })));
    expect(new Set(results.map((r) => JSON.stringify(r.body))).size).toBe(1);
    const state = await call('GET', `/v1/agents/${id}`, { token: t });
    expect(state.body.budgets.find((b: { rule: string }) => b.rule === 'llm-embed').used).toBe(1);
  });
});

describe('state transitions', () => {
  it('outcomes move trust, and a rule gated on trust flips at its threshold', async () => {
    const id = fresh('analyst');
    const t = await agentToken(id, ['analyst']);
    const read = { action: 'db.query', resource: 'db:prod/users', params: { sql: 'select 1' } };
    expect((await call('POST', '/v1/decide', { token: t, body: read })).body.decision).toBe('deny');
    // initial trust 50, +2 per success, production needs 70: ten successes, each reported by
    // the executor that redeemed the decision's ticket
    const chat = { action: 'llm.chat', resource: 'llm:openai', params: { model: 'gpt-4o-mini' } };
    for (let i = 0; i < 9; i++) await actAndReport(id, ['analyst'], chat, 'success');
    expect((await call('GET', `/v1/agents/${id}`, { token: t })).body.trust).toBe(68);
    expect((await call('POST', '/v1/decide', { token: t, body: read })).body.decision).toBe('deny');
    const after = await actAndReport(id, ['analyst'], chat, 'success');
    expect(after.body.trust).toBe(70);
    expect((await call('POST', '/v1/decide', { token: t, body: read })).body).toMatchObject({
      decision: 'allow',
      reasons: [{ rule: 'db-read' }],
    });
  });

  it('the breaker suspends after 5 denials in a minute, and says until when', async () => {
    const id = fresh('hammer');
    const t = await agentToken(id, ['engineer']);
    for (let i = 0; i < 5; i++)
      await call('POST', '/v1/decide', { token: t, body: { action: 'shell.exec', resource: 'host:x' } });
    const d = await call('POST', '/v1/decide', {
      token: t,
      body: { action: 'github.get_issue', resource: 'github:acme/x' },
    });
    expect(d.body).toMatchObject({ decision: 'deny', code: 'suspended' });
    const state = await call('GET', `/v1/agents/${id}`, { token: t });
    expect(state.body).toMatchObject({ suspended: true, suspension: 'breaker' });
    expect(Date.parse(state.body.suspendedUntil)).toBeGreaterThan(Date.now() + 9 * 60_000);

    // Let the 10-minute cooldown pass (workerd's clock stands still between I/O, so the
    // stored suspension is moved into the past), and the agent resumes by itself.
    await runInDurableObject(stubFor(id), (_instance, ctx) => {
      const key = agentKey({ tenant: 'acme', id });
      const row = ctx.storage.sql.exec<{ state: string }>('SELECT state FROM agent_state WHERE key = ?', key).one();
      const stored = JSON.parse(row.state);
      stored.suspendedUntil = Date.now() - 1;
      ctx.storage.sql.exec('UPDATE agent_state SET state = ? WHERE key = ?', JSON.stringify(stored), key);
    });
    await runInDurableObject(stubFor(id), (instance) => {
      // The object's write-through cache holds the old state: start it afresh from storage.
      (instance as unknown as { engine: { store: { cache: Map<string, unknown> } } }).engine.store.cache.clear();
    });
    const resumed = await call('POST', '/v1/decide', {
      token: t,
      body: { action: 'github.get_issue', resource: 'github:acme/x' },
    });
    expect(resumed.body.decision).toBe('allow');
    expect((await call('GET', `/v1/agents/${id}`, { token: t })).body).toMatchObject({
      suspended: false,
      suspension: null,
      suspendedUntil: null,
    });
  });

  it('operator suspension applies to the very next decision; resume lifts it', async () => {
    const id = fresh('agent');
    const t = await agentToken(id);
    const body = { action: 'github.get_issue', resource: 'github:acme/x' };
    expect((await call('POST', '/v1/decide', { token: t, body })).body.decision).toBe('allow');
    await call('POST', `/v1/agents/${id}/suspend`, { token: await operatorToken() });
    expect((await call('POST', '/v1/decide', { token: t, body })).body.code).toBe('suspended');
    await call('POST', `/v1/agents/${id}/resume`, { token: await operatorToken() });
    expect((await call('POST', '/v1/decide', { token: t, body })).body.decision).toBe('allow');
  });
});
