/**
 * The audit chain at the edge: records written by the agent's object with each decision,
 * flushed by its alarm to R2 and D1, searched, exported and verified by operators.
 */
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { verifyChain } from '../../src/audit/verify.js';
import { flushAll, tailOf } from './agents.js';
import { call } from './http.js';
import { agentToken, operatorToken } from './tokens.js';

const chat = {
  action: 'llm.chat',
  resource: 'model:gpt-4o-mini',
  params: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
  cost: { usd: 0.01 },
};

async function decide(agent: string, body: object, roles = ['assistant']) {
  return call('POST', '/v1/decide', { token: await agentToken(agent, roles), body });
}

async function audit(query: string) {
  return call('GET', `/v1/audit?${query}`, { token: await operatorToken() });
}

async function segments(agent: string): Promise<string[]> {
  const listing = await env.AUDIT_BUCKET.list({ prefix: `audit/acme/${agent}/` });
  return Promise.all(listing.objects.map(async (o) => (await env.AUDIT_BUCKET.get(o.key))!.text()));
}

describe('audit records', () => {
  it('each decision is on the record at once, with its seq and hash in the reply', async () => {
    const res = await call('POST', '/v1/decide', {
      token: await agentToken('rec-1', ['assistant']),
      body: chat,
      headers: { 'x-request-id': 'req-abc' },
    });
    expect(res.body.audit).toEqual({ seq: 1, hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const { body } = await audit('agent=rec-1&kind=decision');
    expect(body.records).toHaveLength(1);
    expect(body.records[0]).toEqual({
      hash: res.body.audit.hash,
      record: expect.objectContaining({
        seq: 1,
        tenant: 'acme',
        agent: 'rec-1',
        kind: 'decision',
        request_id: 'req-abc',
        action: 'llm.chat',
        resource: 'model:gpt-4o-mini',
        decision: 'allow',
        code: 'rule',
        rules: ['llm-chat'],
        policy_hash: res.body.policy.hash,
        shadow: null,
        cost: { usd: 0.01, tokens: 0 },
      }),
    });
    // model is in the registry's log_params; messages is not, so only its hash is kept.
    expect(body.records[0].record.params).toEqual({
      model: 'gpt-4o-mini',
      messages: expect.stringMatching(/^hmac-sha256:[0-9a-f]{64}$/),
    });
  });

  it('outcomes, suspension, tickets and replays are recorded too, each in the same chain', async () => {
    const { body: allowed } = await decide('rec-2', chat);
    const executor = await agentToken('runner', ['executor']);
    const redeem = { ticket: allowed.ticket, action: chat.action, resource: chat.resource, params: chat.params };
    expect((await call('POST', '/v1/tickets/redeem', { token: executor, body: redeem })).status).toBe(200);
    expect(
      (
        await call('POST', '/v1/outcomes', {
          token: executor,
          body: { agent: 'rec-2', decision: allowed.id, outcome: 'success' },
        })
      ).status,
    ).toBe(200);
    const ops = await operatorToken('ops-7');
    await call('POST', '/v1/agents/rec-2/suspend', { token: ops });
    await call('POST', '/v1/agents/rec-2/resume', { token: ops });
    expect((await call('POST', '/v1/tickets/redeem', { token: executor, body: redeem })).status).toBe(409);
    const { body } = await audit('agent=rec-2');
    const kinds = body.records.map((r: { record: { kind: string } }) => r.record.kind).reverse();
    expect(kinds).toEqual([
      'decision',
      'ticket_issue',
      'ticket_redeem',
      'outcome',
      'suspend',
      'resume',
      'ticket_replay',
    ]);
    expect(body.records.find((r: { record: { kind: string } }) => r.record.kind === 'outcome').record).toMatchObject({
      decision_id: allowed.id,
      by: 'runner',
    });
    const jti = JSON.parse(atob(allowed.ticket.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))).jti;
    expect(body.records.filter((r: { record: { jti?: string } }) => r.record.jti === jti)).toHaveLength(3);
    expect(body.records.find((r: { record: { kind: string } }) => r.record.kind === 'suspend').record.by).toBe('ops-7');
  });

  it('the alarm flushes records to an R2 segment with a signed checkpoint, and to D1', async () => {
    for (let i = 0; i < 5; i++) await decide('rec-3', { ...chat, idempotency_key: `k${i}` });
    await decide('rec-3', { action: 'shell.exec', resource: 'host:a' });
    expect(await flushAll('rec-3')).toBeUndefined();
    const texts = await segments('rec-3');
    expect(texts).toHaveLength(1);
    const jwks = (await call('GET', '/.well-known/jwks.json')).body;
    const tail = await tailOf('rec-3');
    expect(tail.pending).toEqual([]);
    expect(await verifyChain(texts, jwks, { expectedHead: tail.head })).toMatchObject({
      ok: true,
      records: tail.head.seq,
    });
    const key = (await env.AUDIT_BUCKET.list({ prefix: 'audit/acme/rec-3/' })).objects[0].key;
    const object = await env.AUDIT_BUCKET.head(key);
    expect(object?.customMetadata?.checkpoint).toBe(JSON.parse(texts[0].split('\n')[0]).checkpoint);
    expect(
      await (await env.AUDIT_BUCKET.get(
        key.replace('audit/', 'audit-checkpoints/').replace('.ndjson', '.jws'),
      ))!.text(),
    ).toBe(object?.customMetadata?.checkpoint);
    const rows = await env.AUDIT_DB.prepare(
      "SELECT kind, decision, code FROM audit_records WHERE agent = 'rec-3' ORDER BY seq",
    ).all();
    expect(rows.results.filter((r) => r.kind === 'decision').map((r) => r.decision)).toEqual([
      'allow',
      'allow',
      'allow',
      'allow',
      'allow',
      'deny',
    ]);
    expect((await call('GET', '/v1/audit/verify?agent=rec-3', { token: await operatorToken() })).body).toMatchObject({
      ok: true,
      records: tail.head.seq,
      segments: 1,
      pending: 0,
    });
  });

  it('GET /v1/audit/segments serves the raw segments and the flushed head, which verify offline', async () => {
    for (let i = 0; i < 3; i++) await decide('rec-5', { ...chat, idempotency_key: `s${i}` });
    await flushAll('rec-5');
    const { body } = await call('GET', '/v1/audit/segments?agent=rec-5', { token: await operatorToken() });
    expect(body.segments.map((s: { key: string }) => s.key)).toEqual(
      (await env.AUDIT_BUCKET.list({ prefix: 'audit/acme/rec-5/' })).objects.map((o) => o.key),
    );
    const jwks = (await call('GET', '/.well-known/jwks.json')).body;
    expect(
      await verifyChain(
        body.segments.map((s: { text: string }) => s.text),
        jwks,
        { expectedHead: body.flushed },
      ),
    ).toMatchObject({ ok: true, records: 6 });
    expect(body.next_cursor).toBeNull();
  });

  it('an idempotent retry adds no record', async () => {
    const first = await decide('rec-4', { ...chat, idempotency_key: 'same' });
    const again = await decide('rec-4', { ...chat, idempotency_key: 'same' });
    expect(again.body.audit).toEqual(first.body.audit);
    expect((await audit('agent=rec-4&kind=decision')).body.records).toHaveLength(1);
  });
});

describe('GET /v1/audit', () => {
  it('filters by action glob, decision, code, rule and time, over flushed and pending records alike', async () => {
    const t0 = new Date().toISOString();
    await decide('srch-1', chat);
    await decide('srch-1', { action: 'db.query', resource: 'db:dev/x', params: { sql: 'select 1' } }, ['analyst']);
    await decide('srch-1', { action: 'shell.exec', resource: 'host:a' });
    await flushAll('srch-1');
    await decide('srch-1', { action: 'github.delete_repo', resource: 'github:acme/x' }); // pending
    const q = (s: string) =>
      audit(`agent=srch-1&kind=decision&${s}`).then((r) =>
        r.body.records.map((e: { record: { action: string } }) => e.record.action),
      );
    expect(await q('action=llm.*')).toEqual(['llm.chat']);
    expect(await q('action=**.*')).toHaveLength(4);
    expect(await q('decision=deny')).toEqual(['github.delete_repo', 'shell.exec']);
    expect(await q('code=rule&decision=allow')).toEqual(['db.query', 'llm.chat']);
    expect(await q('rule=github-admin')).toEqual(['github.delete_repo']);
    expect(await q(`from=${t0}`)).toHaveLength(4);
    expect(await q(`to=${t0}`)).toEqual([]);
  });

  it('a tenant-wide search (no agent named) finds a decision before it is flushed', async () => {
    const { body: made } = await decide('fresh-agent-1', { action: 'shell.exec', resource: 'host:zz' });
    expect((await tailOf('fresh-agent-1')).flushed.seq).toBe(0);
    const { body } = await audit('action=shell.exec&decision=deny&limit=500');
    expect(body.records.map((r: { hash: string }) => r.hash)).toContain(made.audit.hash);
  });

  it('pages with a cursor, newest first, each record once', async () => {
    for (let i = 0; i < 7; i++) await decide('page-1', { ...chat, idempotency_key: `p${i}` });
    await flushAll('page-1');
    for (let i = 7; i < 10; i++) await decide('page-1', { ...chat, idempotency_key: `p${i}` });
    const seqs: number[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const { body }: { body: { records: { record: { seq: number } }[]; next_cursor: string | null } } = await audit(
        `agent=page-1&kind=decision&limit=3${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seqs.push(...body.records.map((r) => r.record.seq));
      cursor = body.next_cursor;
    }
    expect(seqs).toHaveLength(10);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
  });

  it('is for operators; bad filters get a 400 that names the parameter', async () => {
    expect((await call('GET', '/v1/audit', { token: await agentToken('srch-1') })).status).toBe(403);
    expect((await call('GET', '/v1/audit')).status).toBe(401);
    for (const [query, field] of [
      ['decision=maybe', 'decision'],
      ['from=yesterday', 'from'],
      ['limit=0', 'limit'],
      ['cursor=zzz', 'cursor'],
      ['colour=red', 'colour'],
      ['kind=nope', 'kind'],
    ]) {
      const res = await audit(query);
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(new RegExp(`^${field}:`));
    }
  });
});

describe('GET /v1/audit/export', () => {
  it('streams NDJSON, CSV and OCSF of the same records', async () => {
    await decide('exp-1', chat);
    await decide('exp-1', { action: 'shell.exec', resource: 'host:a' });
    await flushAll('exp-1');
    const token = await operatorToken();
    const ndjson = await call('GET', '/v1/audit/export?format=ndjson&agent=exp-1&kind=decision', { token });
    expect(ndjson.headers.get('content-type')).toBe('application/x-ndjson');
    const lines = (ndjson.body as string)
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.record.decision)).toEqual(['deny', 'allow']);

    const csv = await call('GET', '/v1/audit/export?format=csv&agent=exp-1&kind=decision', { token });
    const rows = (csv.body as string).trim().split('\r\n');
    expect(rows[0]).toBe(
      'time,tenant,agent,seq,kind,action,resource,decision,code,rules,policy_hash,request_id,params,hash',
    );
    expect(rows[1]).toContain(',acme,exp-1,');
    expect(rows[1]).toContain(',shell.exec,host:a,deny,rule,shell-denied,');

    const ocsf = await call('GET', '/v1/audit/export?format=ocsf&agent=exp-1&kind=decision', { token });
    const events = (ocsf.body as string)
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events[0]).toMatchObject({
      class_uid: 6003,
      category_uid: 6,
      type_uid: 600399,
      disposition_id: 2,
      disposition: 'Blocked',
      status_id: 2,
      actor: { user: { uid: 'exp-1' } },
      api: { operation: 'shell.exec' },
      resources: [{ name: 'host:a' }],
    });
    expect(events[1]).toMatchObject({
      disposition_id: 1,
      disposition: 'Allowed',
      metadata: { sequence: lines[1].record.seq, uid: lines[1].hash },
    });
    expect((await call('GET', '/v1/audit/export?format=xml', { token })).status).toBe(400);
  });
});

describe('GET /v1/audit/verify', () => {
  it('names the seq of an altered D1 row', async () => {
    for (let i = 0; i < 4; i++) await decide('tamper-1', { ...chat, idempotency_key: `t${i}` });
    await flushAll('tamper-1');
    const token = await operatorToken();
    expect((await call('GET', '/v1/audit/verify?agent=tamper-1', { token })).body.ok).toBe(true);
    await env.AUDIT_DB.prepare(
      "UPDATE audit_records SET record = replace(record, '\"allow\"', '\"deny\"') WHERE agent = 'tamper-1' AND seq = 3",
    ).run();
    expect((await call('GET', '/v1/audit/verify?agent=tamper-1', { token })).body).toMatchObject({
      ok: false,
      seq: 3,
      reason: expect.stringMatching(/index row differs/),
    });
  });

  it('names the seq of an altered R2 segment, and a deleted checkpoint object', async () => {
    for (let i = 0; i < 3; i++) await decide('tamper-2', { ...chat, idempotency_key: `t${i}` });
    await flushAll('tamper-2');
    const token = await operatorToken();
    const key = (await env.AUDIT_BUCKET.list({ prefix: 'audit/acme/tamper-2/' })).objects[0].key;
    const text = await (await env.AUDIT_BUCKET.get(key))!.text();
    await env.AUDIT_BUCKET.put(key, text.replace('"seq":2,', '"seq":2,"note":"x",'));
    expect((await call('GET', '/v1/audit/verify?agent=tamper-2', { token })).body).toMatchObject({
      ok: false,
      seq: 2,
      reason: expect.stringMatching(/altered/),
    });
    await env.AUDIT_BUCKET.put(key, text);
    await env.AUDIT_BUCKET.delete(key.replace('audit/', 'audit-checkpoints/').replace('.ndjson', '.jws'));
    expect((await call('GET', '/v1/audit/verify?agent=tamper-2', { token })).body).toMatchObject({
      ok: false,
      seq: 1,
      reason: expect.stringMatching(/checkpoint object/),
    });
  });

  it('needs an agent', async () => {
    const res = await call('GET', '/v1/audit/verify', { token: await operatorToken() });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/^agent:/);
  });
});
