/**
 * Records can't be kept out of R2 and D1, nor hidden from the tenant: keys stay within the
 * platform's limits for any agent id, batches are split to fit, pending records are found
 * whatever their age, and verification says `stale` when they wait too long.
 */
import { env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { AuditSinks } from '../../src/worker/audit/flush.js';
import { tenantStub } from '../../src/worker/tenant-object.js';
import { flushAll, stubOf } from './agents.js';
import { call } from './http.js';
import { agentToken, operatorToken, token } from './tokens.js';

const chat = { action: 'llm.chat', resource: 'model:gpt-4o-mini', params: { model: 'gpt-4o-mini' } };

/** The agent's chain as the edge verifies it, and its rows in D1. */
async function verified(agent: string) {
  const ops = await operatorToken();
  const verdict = (await call('GET', `/v1/audit/verify?agent=${encodeURIComponent(agent)}`, { token: ops })).body;
  const rows = await env.AUDIT_DB.prepare("SELECT count(*) AS n FROM audit_records WHERE tenant = 'acme' AND agent = ?")
    .bind(agent)
    .first<{ n: number }>();
  return { verdict, rows: rows!.n };
}

/** Whether the tenant lists `agent` as having pending records, waiting up to 2 s for it to become `expected` (its notes arrive after the calls that send them). */
async function tenantKnows(agent: string, expected: boolean): Promise<boolean> {
  for (let i = 0; ; i++) {
    const knows = (await tenantStub(env, 'acme').agentsWithPendingAudit()).some((a) => a.agent === agent);
    if (knows === expected || i === 40) return knows;
    await new Promise((r) => setTimeout(r, 50));
  }
}

type Sinkful = { sinks(): AuditSinks | null };

/** Makes the agent's flushes fail (R2 refuses every write) until `restore`. */
async function breakFlushes(agent: string): Promise<void> {
  await runInDurableObject(stubOf(agent), (instance) => {
    const o = instance as unknown as Sinkful;
    const real = o.sinks()!;
    o.sinks = () => ({
      ...real,
      bucket: {
        ...real.bucket,
        put: async () => Promise.reject(new Error('R2 is unavailable')),
        get: async () => null,
      } as unknown as R2Bucket,
    });
  });
}

async function restore(agent: string): Promise<void> {
  await runInDurableObject(stubOf(agent), (instance) => void delete (instance as unknown as Partial<Sinkful>).sinks);
}

/** Writes the agent's next records as if `agoMs` had passed since (the record times are what staleness reads). */
async function backdate(agent: string, agoMs: number): Promise<void> {
  await runInDurableObject(stubOf(agent), (instance) => {
    (instance as unknown as { trail: { log: { clock: () => number } } }).trail.log.clock = () => Date.now() - agoMs;
  });
}

describe('keys within limits', () => {
  it('any agent id the API accepts is flushed to R2 and D1, and verifies', async () => {
    const long = 'a'.repeat(5000);
    const odd = 'x:y%z';
    const parent = await agentToken('euro-lead', ['assistant']);
    const child = (await call('POST', '/v1/delegations', { token: parent, body: { name: '€'.repeat(256) } })).body;
    expect(child.agent).toBe(`euro-lead/${'€'.repeat(256)}`);
    const callers = [
      [long, await token({ sub: long, roles: ['assistant'] })],
      [odd, await agentToken(odd, ['assistant'])],
      [child.agent, child.token],
    ] as const;
    for (const [agent, t] of callers) {
      for (let i = 0; i < 3; i++) expect((await call('POST', '/v1/decide', { token: t, body: chat })).status).toBe(200);
      await flushAll(agent);
      const { verdict, rows } = await verified(agent);
      expect(verdict, agent.slice(0, 40)).toMatchObject({ ok: true, pending: 0 });
      expect(rows).toBe(verdict.records);
    }
    const listed = await env.AUDIT_BUCKET.list({ prefix: 'audit/acme/' });
    for (const o of listed.objects) expect(new TextEncoder().encode(o.key).length).toBeLessThanOrEqual(1024);
  });
});

describe('batches split to fit', () => {
  it('oversized records never pin the queue: each is stored, in a segment of its own if need be, and the records after it flow', async () => {
    const agent = 'many-params';
    const t = await agentToken(agent, ['analyst']);
    // 5,400 param names each (every one digested: the action declares no schema), then 7,000 in one record alone.
    const wide = (n: number) => ({
      action: 'github.get_issue',
      resource: 'github:acme/api',
      params: Object.fromEntries(Array.from({ length: n }, (_, i) => [i.toString(36), 1])),
    });
    for (let i = 0; i < 7; i++)
      expect((await call('POST', '/v1/decide', { token: t, body: wide(5400) })).status).toBe(200);
    expect((await call('POST', '/v1/decide', { token: t, body: wide(7000) })).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await call('POST', '/v1/decide', { token: t, body: chat })).status).toBe(200);
    await flushAll(agent);
    const { verdict, rows } = await verified(agent);
    expect(verdict).toMatchObject({ ok: true, pending: 0 });
    expect(rows).toBe(verdict.records);
    expect(verdict.segments).toBeGreaterThanOrEqual(8); // no segment holds two of the wide records
    const largest = await env.AUDIT_DB.prepare(
      "SELECT max(length(record)) AS n FROM audit_records WHERE agent = 'many-params'",
    ).first<{ n: number }>();
    expect(largest!.n).toBeGreaterThan(900_000); // the 7,000-param record, stored whole
  });
});

describe('pending records are found', () => {
  it('tenant-wide search and export find records pending for longer than ten minutes, and the tenant learns of them on every retry', async () => {
    const agent = 'stuck-agent';
    const t = await agentToken(agent, ['analyst']);
    await breakFlushes(agent);
    await backdate(agent, 11 * 60_000);
    const body = { action: 'db.query', resource: 'db:prod/payroll', params: { sql: 'select * from salaries' } };
    expect((await call('POST', '/v1/decide', { token: t, body })).status).toBe(200);
    // The tenant's note is lost (as if telling it had failed); the next, failing, flush tells it again.
    await runInDurableObject(
      tenantStub(env, 'acme') as unknown as DurableObjectStub,
      (_, ctx) => void ctx.storage.sql.exec('DELETE FROM agents_pending_audit WHERE agent = ?', agent),
    );
    await runDurableObjectAlarm(stubOf(agent));
    expect(await tenantKnows(agent, true)).toBe(true); // the retry's note to the tenant runs after the alarm
    const ops = await operatorToken();
    const search = await call('GET', '/v1/audit?kind=decision&action=db.query', { token: ops });
    expect(search.status, JSON.stringify(search.body)).toBe(200);
    const found = search.body.records;
    expect(found.map((r: { record: { agent: string } }) => r.record.agent)).toContain(agent);
    const exported = await (await call('GET', '/v1/audit/export?format=ndjson&action=db.query', { token: ops })).body;
    expect(JSON.stringify(exported)).toContain(agent);
    // Verification is honest: every hash checks out, but the records are stale.
    const { verdict } = await verified(agent);
    expect(verdict).toMatchObject({
      ok: false,
      stale: true,
      agent,
      seq: 1,
      reason: expect.stringMatching(/records have waited to be flushed for 11 minutes/),
    });
    // Once the flush works again, they leave the object, and the tenant forgets the agent.
    await restore(agent);
    await flushAll(agent);
    expect((await verified(agent)).verdict).toMatchObject({ ok: true, pending: 0 });
    expect(await tenantKnows(agent, false)).toBe(false);
  });
});
