/**
 * The audit flush under failure: R2 or D1 down, and the agent's object reset in the middle
 * of a flush. After recovery every decision has exactly one record, in R2 and in D1.
 *
 * R2 and D1 can't be made to fail on demand locally, so each test wraps the object's real
 * bindings in a wrapper that fails the way the service would (a rejected put, a rejected
 * batch, a batch whose reply is lost); everything else is the real local R2 and D1.
 */
import { env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it, vi } from 'vitest';
import type { AuditSinks } from '../../src/worker/audit/flush.js';
import { flushAll, stubOf, tailOf } from './agents.js';
import { call } from './http.js';
import { agentToken, operatorToken } from './tokens.js';

const chat = {
  action: 'llm.chat',
  resource: 'model:gpt-4o-mini',
  params: { model: 'gpt-4o-mini' },
  cost: { usd: 0.01 },
};

type Sinkful = { sinks(): AuditSinks | null };

/** Replaces the live object's sinks with `wrap(real sinks)`, until the object is reset. */
async function wrapSinks(
  agent: string,
  wrap: (real: AuditSinks, state: DurableObjectState) => AuditSinks,
): Promise<void> {
  await runInDurableObject(stubOf(agent), (instance, state) => {
    const real = (instance as unknown as Sinkful).sinks()!;
    (instance as unknown as Sinkful).sinks = () => wrap(real, state);
  });
}

async function restoreSinks(agent: string): Promise<void> {
  await runInDurableObject(stubOf(agent), (instance) => {
    delete (instance as unknown as Partial<Sinkful>).sinks; // back to the prototype's real sinks
  });
}

/** Makes `count` decisions (a mix of allows and denies); returns how many were made. */
async function decisions(agent: string, count: number, from = 0): Promise<number> {
  const token = await agentToken(agent, ['assistant']);
  for (let i = from; i < from + count; i++) {
    const body = i % 4 === 3 ? { action: 'shell.exec', resource: 'host:a' } : { ...chat, idempotency_key: `d${i}` };
    expect((await call('POST', '/v1/decide', { token, body })).status).toBe(200);
  }
  return count;
}

/** No loss, no duplicates: one record per decision in D1, R2 segments that tile the chain, and a verified chain. */
async function expectExactlyOnce(agent: string, decided: number): Promise<void> {
  const tail = await tailOf(agent);
  expect(tail.pending).toEqual([]);
  const rows = await env.AUDIT_DB.prepare(
    'SELECT seq, kind FROM audit_records WHERE tenant = ? AND agent = ? ORDER BY seq',
  )
    .bind('acme', agent)
    .all<{ seq: number; kind: string }>();
  expect(rows.results.filter((r) => r.kind === 'decision')).toHaveLength(decided);
  expect(rows.results.map((r) => r.seq)).toEqual(Array.from({ length: tail.head.seq }, (_, i) => i + 1));
  const keys = (await env.AUDIT_BUCKET.list({ prefix: `audit/acme/${agent}/` })).objects.map((o) => o.key).sort();
  const ranges = keys.map((k) =>
    k
      .slice(k.lastIndexOf('/') + 1, -'.ndjson'.length)
      .split('-')
      .map(Number),
  );
  let next = 1;
  for (const [first, last] of ranges) {
    expect(first).toBe(next); // segments neither overlap nor leave gaps
    next = last + 1;
  }
  expect(next - 1).toBe(tail.head.seq);
  const verdict = (await call('GET', `/v1/audit/verify?agent=${agent}`, { token: await operatorToken() })).body;
  expect(verdict).toMatchObject({ ok: true, records: tail.head.seq, indexed: tail.head.seq, pending: 0 });
}

describe('audit flush faults', () => {
  it('an R2 put that fails keeps every record in the object until R2 is back', async () => {
    let decided = await decisions('fault-r2', 12);
    let attempts = 0;
    await wrapSinks('fault-r2', (real) => ({
      ...real,
      bucket: new Proxy(real.bucket, {
        get: (b, p) =>
          p === 'put'
            ? async (key: string) => {
                if (key.startsWith('audit/')) attempts++;
                throw new Error('R2 is unavailable');
              }
            : Reflect.get(b, p).bind(b),
      }),
    }));
    expect(await runDurableObjectAlarm(stubOf('fault-r2'))).toBe(true);
    expect(await runDurableObjectAlarm(stubOf('fault-r2'))).toBe(true); // the failed flush scheduled its retry
    expect(attempts).toBe(2);
    const tail = await tailOf('fault-r2');
    expect(tail.flushed.seq).toBe(0);
    expect(tail.pending).toHaveLength(tail.head.seq);
    expect((await env.AUDIT_BUCKET.list({ prefix: 'audit/acme/fault-r2/' })).objects).toHaveLength(0);
    // Decisions go on while R2 is down, and are on the record at once.
    decided += await decisions('fault-r2', 5, 12);
    const search = await call('GET', '/v1/audit?agent=fault-r2&kind=decision&limit=100', {
      token: await operatorToken(),
    });
    expect(search.body.records).toHaveLength(decided);
    await restoreSinks('fault-r2');
    await flushAll('fault-r2');
    await expectExactlyOnce('fault-r2', decided);
  });

  it('a D1 batch that fails, or whose reply is lost after it committed, never loses or repeats a record', async () => {
    let decided = await decisions('fault-d1', 9);
    let mode: 'reject' | 'lose-reply' = 'reject';
    const failing = (db: D1Database): D1Database =>
      new Proxy(db, {
        get: (d, p) =>
          p === 'batch'
            ? async (statements: D1PreparedStatement[]) => {
                if (mode === 'reject') throw new Error('D1_ERROR: the database is unavailable');
                await d.batch(statements); // committed, then the reply is lost
                throw new Error('network connection lost');
              }
            : Reflect.get(d, p).bind(d),
      });
    await wrapSinks('fault-d1', (real) => ({ ...real, db: failing(real.db) }));
    await runDurableObjectAlarm(stubOf('fault-d1'));
    // The segment reached R2, but the records stay until the index has them too.
    expect((await env.AUDIT_BUCKET.list({ prefix: 'audit/acme/fault-d1/' })).objects).toHaveLength(1);
    expect((await tailOf('fault-d1')).flushed.seq).toBe(0);
    decided += await decisions('fault-d1', 4, 9);
    mode = 'lose-reply';
    await runDurableObjectAlarm(stubOf('fault-d1'));
    expect((await tailOf('fault-d1')).flushed.seq).toBe(0);
    await restoreSinks('fault-d1');
    await flushAll('fault-d1');
    await expectExactlyOnce('fault-d1', decided);
  });

  it('an object reset between the R2 write and the D1 write resumes the same batch', async () => {
    let decided = await decisions('fault-reset', 10);
    let segmentWritten = false;
    let release!: () => void;
    const resetNow = new Promise<void>((resolve) => (release = resolve));
    await wrapSinks('fault-reset', (real, state) => ({
      ...real,
      bucket: new Proxy(real.bucket, {
        get: (b, p) =>
          p === 'put'
            ? async (key: string, ...rest: unknown[]) => {
                const written = await (b.put as (...a: unknown[]) => Promise<R2Object>)(key, ...rest);
                segmentWritten = true;
                await resetNow;
                state.abort('reset in the middle of a flush'); // the object dies here; the flush never reaches D1
                return written;
              }
            : Reflect.get(b, p).bind(b),
      }),
    }));
    const before = (await tailOf('fault-reset')).head.seq;
    const flushing = runDurableObjectAlarm(stubOf('fault-reset')).catch(() => undefined);
    await vi.waitUntil(() => segmentWritten);
    // Decisions go on while the segment is written, then the object is reset.
    decided += await decisions('fault-reset', 6, 10);
    release();
    await flushing;
    await flushAll('fault-reset');
    const keys = (await env.AUDIT_BUCKET.list({ prefix: 'audit/acme/fault-reset/' })).objects.map((o) => o.key).sort();
    expect(keys[0]).toMatch(new RegExp(`/0+1-0+${before}\\.ndjson$`)); // the batch pinned before the reset, not a bigger one
    await expectExactlyOnce('fault-reset', decided);
  });

  it('a decision whose transaction fails leaves no record and no gap: the chain goes on from the last commit', async () => {
    let decided = await decisions('fault-rollback', 3);
    // The state write fails after the decision's audit record was appended in the same transaction.
    await runInDurableObject(stubOf('fault-rollback'), (instance) => {
      const store = (instance as unknown as { store: { put: (...a: unknown[]) => void } }).store;
      const put = store.put.bind(store);
      let failOnce = true;
      store.put = (...args: unknown[]) => {
        if (failOnce) {
          failOnce = false;
          throw new Error('SQLITE_FULL: database or disk is full');
        }
        put(...args);
      };
    });
    const failed = await call('POST', '/v1/decide', {
      token: await agentToken('fault-rollback', ['assistant']),
      body: chat,
    });
    expect(failed.status).toBe(503);
    decided += await decisions('fault-rollback', 3, 3);
    await flushAll('fault-rollback');
    await expectExactlyOnce('fault-rollback', decided);
  });

  it('a segment an earlier attempt wrote in other bytes is accepted if it holds the same records; one with other records stops the flush, losing nothing', async () => {
    const decided = await decisions('fault-format', 6);
    // An attempt writes the segment to R2, then fails at D1: the batch stays pinned.
    await wrapSinks('fault-format', (real) => ({
      ...real,
      db: new Proxy(real.db, {
        get: (d, p) =>
          p === 'batch' ? async () => Promise.reject(new Error('D1 is unavailable')) : Reflect.get(d, p).bind(d),
      }),
    }));
    await runDurableObjectAlarm(stubOf('fault-format'));
    await restoreSinks('fault-format');
    const key = (await env.AUDIT_BUCKET.list({ prefix: 'audit/acme/fault-format/' })).objects[0].key;
    const written = await (await env.AUDIT_BUCKET.get(key))!.text();
    const [header, ...lines] = written.trimEnd().split('\n');
    // Another writer's bytes for the same records: keys in another order.
    const otherBytes =
      [
        header,
        ...lines.map((l) => {
          const e = JSON.parse(l);
          return JSON.stringify({ record: Object.fromEntries(Object.entries(e.record).reverse()), hash: e.hash });
        }),
      ].join('\n') + '\n';
    expect(otherBytes).not.toBe(written);
    // First, a segment that claims another head: the flush refuses it and keeps every record.
    const forged = JSON.parse(header);
    await env.AUDIT_BUCKET.put(
      key,
      `${JSON.stringify({ ...forged, head_hash: '0'.repeat(64) })}\n${lines.join('\n')}\n`,
    );
    await runDurableObjectAlarm(stubOf('fault-format'));
    expect((await tailOf('fault-format')).flushed.seq).toBe(0);
    // Then the same records in other bytes: accepted, and the chain verifies.
    await env.AUDIT_BUCKET.put(key, otherBytes);
    await flushAll('fault-format');
    await expectExactlyOnce('fault-format', decided);
  });
});
