/**
 * Idempotency: a key is bound to the request it first came with; suspension is checked
 * before any kept reply is returned; keys are bounded; and what is kept for retries stays
 * bounded however many keys an agent uses.
 */
import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import {
  MAX_OPEN_DECISIONS,
  MAX_REPLIES,
  StatefulEngine,
  type EngineRequest,
} from '../../../src/engine/stateful-engine.js';
import { WasmEvaluator } from '../../../src/engine/wasm-evaluator.js';
import { POLICY_BUNDLE, POLICY_WASM } from '../../../src/worker/policy-source.js';
import { SqlStateStore } from '../../../src/worker/sql-store.js';
import { flushAll, stubOf } from '../agents.js';
import { call } from '../http.js';
import { agentToken, operatorToken } from '../tokens.js';

const post = { action: 'slack.post', resource: 'slack:acme', params: { channel: '#eng', text: 'deploy done' } };
const shell = { action: 'shell.exec', resource: 'host:prod-1', params: { cmd: 'rm -rf /' } };

describe('idempotency', () => {
  it('the same key with a different request gets 409 idempotency_mismatch', async () => {
    const t = await agentToken('idem-1', ['assistant']);
    const first = await call('POST', '/v1/decide', { token: t, body: { ...post, idempotency_key: 'job-1' } });
    expect(first.body.decision).toBe('allow');
    const other = await call('POST', '/v1/decide', { token: t, body: { ...shell, idempotency_key: 'job-1' } });
    expect(other.status).toBe(409);
    expect(other.body.error).toMatchObject({
      code: 'idempotency_mismatch',
      message: "idempotency_key 'job-1' was first used with a different request",
    });
    // The same request again still gets its first reply; so does a retry with its keys in another order.
    const again = await call('POST', '/v1/decide', {
      token: t,
      body: {
        idempotency_key: 'job-1',
        params: { text: 'deploy done', channel: '#eng' },
        resource: post.resource,
        action: post.action,
      },
    });
    expect(again.body).toEqual(first.body);
    // In a batch, the mismatched request is denied with the code, and nothing else is lost.
    const batch = await call('POST', '/v1/decide/batch', {
      token: t,
      body: { requests: [{ ...shell, idempotency_key: 'job-1' }, post] },
    });
    expect(batch.body.results.map((r: { decision: string; code: string }) => `${r.decision}/${r.code}`)).toEqual([
      'deny/idempotency_mismatch',
      'allow/rule',
    ]);
  });

  it('a suspended agent reusing an old key is denied, and the first reply comes back after resume', async () => {
    const t = await agentToken('idem-2', ['assistant']);
    const first = await call('POST', '/v1/decide', { token: t, body: { ...post, idempotency_key: 'job-2' } });
    expect(first.body).toMatchObject({ decision: 'allow', ticket: expect.any(String) });
    const ops = await operatorToken();
    await call('POST', '/v1/agents/idem-2/suspend', { token: ops });
    const suspended = await call('POST', '/v1/decide', { token: t, body: { ...post, idempotency_key: 'job-2' } });
    expect(suspended.body).toMatchObject({ decision: 'deny', code: 'suspended' });
    expect(suspended.body.ticket).toBeUndefined();
    await call('POST', '/v1/agents/idem-2/resume', { token: ops });
    expect((await call('POST', '/v1/decide', { token: t, body: { ...post, idempotency_key: 'job-2' } })).body).toEqual(
      first.body,
    );
  });

  it('keys over 128 characters get 400', async () => {
    const t = await agentToken('idem-3', ['assistant']);
    const long = await call('POST', '/v1/decide', { token: t, body: { ...post, idempotency_key: 'k'.repeat(129) } });
    expect(long.status).toBe(400);
    expect(long.body.error.message).toBe('idempotency_key: is longer than 128 characters');
    expect(
      (await call('POST', '/v1/decide', { token: t, body: { ...post, idempotency_key: 'k'.repeat(128) } })).status,
    ).toBe(200);
    expect((await call('POST', '/v1/decide', { token: t, body: { ...post, idempotency_key: '' } })).status).toBe(400);
  });

  it(`20,000 idempotent decisions in 24 h all succeed, and the agent's storage stays bounded`, async () => {
    // The bound this test states: at most MAX_REPLIES replies (and their tickets) and
    // MAX_OPEN_DECISIONS open decisions in rows, give or take one batch (pruned once a
    // minute of the agent's clock), an agent record under 4 KiB, and, with the audit
    // flushed, a database under 32 MiB.
    const id = 'idem-busy';
    const stub = stubOf(id);
    let now = Date.parse('2026-11-23T00:00:00Z');
    const evaluator = await WasmEvaluator.create(POLICY_WASM, POLICY_BUNDLE);
    await runInDurableObject(stub, (instance, ctx) => {
      // The object's engine on a clock this test moves.
      (instance as unknown as { engine: StatefulEngine }).engine = new StatefulEngine(
        evaluator,
        new SqlStateStore(ctx.storage.sql),
        () => now,
      );
    });
    const agent = { id, tenant: 'acme', roles: ['assistant'] };
    let allowed = 0;
    for (let batch = 0; batch < 200; batch++) {
      const requests: EngineRequest[] = Array.from({ length: 100 }, (_, i) => ({
        agent,
        action: 'llm.embed',
        resource: 'llm:openai',
        idempotency_key: `job-${batch}-${i}-${'x'.repeat(100)}`,
      }));
      const results = await stub.decideBatch(requests);
      allowed += results.filter((r) => r.decision === 'allow').length;
      now += 432_000; // 200 batches of 100 over 24 hours
      if (batch % 20 === 19) await flushAll(id);
    }
    expect(allowed).toBe(20_000);
    const sizes = await runInDurableObject(stub, (_, ctx) => {
      const count = (table: string) =>
        ctx.storage.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM ${table}`).one().n;
      const record = ctx.storage.sql.exec<{ n: number }>('SELECT max(length(state)) AS n FROM agent_state').one().n;
      return {
        replies: count('replies'),
        tickets: count('kept_tickets'),
        open: count('open_reservations'),
        record,
        database: ctx.storage.sql.databaseSize,
      };
    });
    expect(sizes.replies).toBeLessThanOrEqual(MAX_REPLIES + 100);
    expect(sizes.tickets).toBeLessThanOrEqual(MAX_REPLIES + 100);
    expect(sizes.open).toBeLessThanOrEqual(MAX_OPEN_DECISIONS + 100);
    expect(sizes.record).toBeLessThan(4096);
    expect(sizes.database).toBeLessThan(32 * 1024 * 1024);
  }, 240_000);
});
