/**
 * What the audit keeps of what it may not log: keyed digests (HMAC-SHA-256 under the
 * tenant's key, never a bare SHA-256 anyone can recompute from a guess), undeclared param
 * names and DLP-flagged action or resource names digested, and every param recorded,
 * `__proto__` included. The checks read the stored records, not the replies.
 */
import { env, runInDurableObject } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { tenantDigestKey, ValueDigester } from '../../src/audit/digest.js';
import { sha256Hex } from '../../src/lib/sha256.js';
import { canonicalJson } from '../../src/lib/json.js';
import { flushAll, stubOf } from './agents.js';
import { call } from './http.js';
import { agentToken, operatorToken } from './tokens.js';

const AGENT = 'digested';
const SSN = '078-05-1120';
const AWS_KEY = 'AKIAIOSFODNN7EXAMPLE';
const bareSha256 = (value: unknown) => sha256Hex(new TextEncoder().encode(canonicalJson(value as never)));

let records: Record<string, unknown>[] = [];

beforeAll(async () => {
  const t = await agentToken(AGENT, ['analyst', 'assistant']);
  const requests = [
    { action: 'db.query', resource: 'db:dev/people', params: { sql: `select * from people where ssn = '${SSN}'` } },
    { action: 'llm.chat', resource: 'llm:openai', params: { model: 'gpt-4o-mini', [AWS_KEY]: 1, note: SSN } },
    { action: 'db.query', resource: `db:dev/${AWS_KEY}`, params: { sql: 'select 1' } },
    { action: `run.${AWS_KEY}`, resource: 'host:a' },
  ];
  for (const body of requests) expect((await call('POST', '/v1/decide', { token: t, body })).status).toBe(200);
  const raw =
    '{"action":"github.get_issue","resource":"github:acme/api","params":{"__proto__":{"x":1},"constructor":"c","prototype":"p"}}';
  expect((await call('POST', '/v1/decide', { token: t, raw })).status).toBe(200);
  await flushAll(AGENT);
  const rows = await env.AUDIT_DB.prepare(
    "SELECT record FROM audit_records WHERE agent = ? AND kind = 'decision' ORDER BY seq",
  )
    .bind(AGENT)
    .all<{ record: string }>();
  records = rows.results.map((r) => JSON.parse(r.record));
});

describe('keyed digests', () => {
  it("the bare SHA-256 of a value the audit doesn't log is nowhere in D1, R2 or any export", async () => {
    const values = [`select * from people where ssn = '${SSN}'`, SSN, 'select 1', AWS_KEY, 1];
    const bare = values.map(bareSha256);
    const d1 = await env.AUDIT_DB.prepare('SELECT * FROM audit_records WHERE agent = ?').bind(AGENT).all();
    const places: [string, string][] = [['D1', JSON.stringify(d1.results)]];
    const listing = await env.AUDIT_BUCKET.list({ prefix: `audit/acme/${AGENT}/` });
    for (const o of listing.objects) {
      const object = await env.AUDIT_BUCKET.get(o.key);
      places.push([o.key, await object!.text()]);
    }
    const ops = await operatorToken();
    for (const format of ['ndjson', 'csv', 'ocsf'])
      places.push([
        format,
        JSON.stringify((await call('GET', `/v1/audit/export?format=${format}&agent=${AGENT}`, { token: ops })).body),
      ]);
    expect(places.length).toBeGreaterThan(4);
    for (const [where, text] of places)
      for (const digest of bare) expect(text.includes(digest), `${where} holds a bare SHA-256`).toBe(false);
    expect(records[0].params).toEqual({ sql: expect.stringMatching(/^hmac-sha256:[0-9a-f]{64}$/) });
  });

  it("param names outside the action's schema are digested; declared ones are kept", () => {
    const params = records[1].params as Record<string, string>;
    expect(Object.keys(params)).toContain('model');
    expect(Object.keys(params)).not.toContain(AWS_KEY);
    expect(Object.keys(params).filter((k) => k.startsWith('hmac-sha256:'))).toHaveLength(2); // the key-named param and `note`
  });

  it('a resource or action name in which DLP finds a secret is digested', () => {
    expect(records[2].resource).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    expect(records[3].action).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    expect(JSON.stringify(records)).not.toContain(AWS_KEY);
  });

  it('__proto__, constructor and prototype params are recorded like any other', () => {
    // The action declares no schema, so each name is kept as its digest: all three are there.
    const digester = new ValueDigester(tenantDigestKey(env.AUDIT_DIGEST_KEY, 'acme'));
    const params = records[4].params as Record<string, unknown>;
    expect(Object.getOwnPropertyNames(params).sort()).toEqual(
      ['__proto__', 'constructor', 'prototype'].map((n) => digester.digest(n)).sort(),
    );
    expect(params[digester.digest('__proto__')]).toBe(digester.digest({ x: 1 }));
  });
});

describe('rotating the digest key', () => {
  it('records digested under the old key still verify after the key changes: the chain hashes the stored text', async () => {
    const agent = 'rotated';
    const t = await agentToken(agent, ['analyst']);
    const query = { action: 'db.query', resource: 'db:dev/people', params: { sql: 'select 1' } };
    expect((await call('POST', '/v1/decide', { token: t, body: query })).status).toBe(200);
    await flushAll(agent);
    // The Worker's secret changes (as `wrangler secret put AUDIT_DIGEST_KEY` would).
    await runInDurableObject(stubOf(agent), (instance) => {
      const o = instance as unknown as { env: object };
      o.env = { ...o.env, AUDIT_DIGEST_KEY: 'the-next-key' };
    });
    expect((await call('POST', '/v1/decide', { token: t, body: query })).status).toBe(200);
    await flushAll(agent);
    const rows = await env.AUDIT_DB.prepare(
      "SELECT record FROM audit_records WHERE agent = ? AND kind = 'decision' ORDER BY seq",
    )
      .bind(agent)
      .all<{ record: string }>();
    const [before, after] = rows.results.map((r) => JSON.parse(r.record).params.sql);
    expect(before).not.toBe(after); // the same value, under two keys
    const verdict = (await call('GET', `/v1/audit/verify?agent=${agent}`, { token: await operatorToken() })).body;
    expect(verdict).toMatchObject({ ok: true, pending: 0 });
  });
});
