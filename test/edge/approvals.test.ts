/**
 * Human approvals end to end: pending → approved → ticket → redeemed, and pending →
 * expired → deny; no self-approval; a changed request never rides on an approval; the cap
 * on pending approvals under a flood; the webhook, signed and retried.
 */
import { env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { paramsHash } from '../../src/tokens/ticket.js';
import { agentCalls } from '../../src/worker/agents.js';
import { stubOf } from './agents.js';
import { call } from './http.js';
import { agentToken, operatorToken } from './tokens.js';

const calls = (agent: string) => agentCalls(env, 'acme', agent);

const write = (sql = 'update orders set state = 1 where id = 7') => ({
  action: 'db.write',
  resource: 'db:prod/orders',
  params: { sql },
});

async function ask(agent: string, body: object) {
  return call('POST', '/v1/decide', { token: await agentToken(agent, ['engineer']), body });
}

/** Moves an approval's expiry into the past, as if its 15 minutes had gone by. */
async function letExpire(agent: string, id: string): Promise<void> {
  await runInDurableObject(
    stubOf(agent),
    (_, state) =>
      void state.storage.sql.exec('UPDATE approval_requests SET expires_at = ? WHERE id = ?', Date.now() - 1, id),
  );
}

describe('approvals', () => {
  it('pending → approved (the agent long-polling) → ticket → redeemed', async () => {
    const { body: decision } = await ask('apr-1', write());
    expect(decision).toMatchObject({
      decision: 'require_approval',
      code: 'rule',
      approval: { id: expect.stringMatching(/^apr_/), status: 'pending' },
    });
    const minutes = (Date.parse(decision.approval.expires_at) - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(14.9); // the policy's 15 minutes
    expect(minutes).toBeLessThanOrEqual(15);
    const id = decision.approval.id;
    const agent = await agentToken('apr-1', ['engineer']);
    expect((await call('GET', `/v1/approvals/${id}`, { token: agent })).body).toMatchObject({
      decision: 'require_approval',
      approval: { status: 'pending', action: 'db.write' },
    });

    const waiting = call('GET', `/v1/approvals/${id}?wait=20`, { token: agent });
    const approved = await call('POST', `/v1/approvals/${id}/approve`, {
      token: await operatorToken('ops-1'),
      body: { note: 'ticket #4411' },
    });
    expect(approved.status).toBe(200);
    expect(approved.body.approval).toMatchObject({ status: 'approved', decided_by: 'ops-1', note: 'ticket #4411' });
    const { body: answer } = await waiting;
    expect(answer).toMatchObject({ decision: 'allow', approval: { status: 'approved' }, ticket: expect.any(String) });
    expect(decodeJwt(answer.ticket)).toMatchObject({
      sub: 'apr-1',
      action: 'db.write',
      resource: 'db:prod/orders',
      params_hash: paramsHash(write().params),
    });
    // Read again: the same ticket, not a second one.
    expect((await call('GET', `/v1/approvals/${id}`, { token: agent })).body.ticket).toBe(answer.ticket);

    const executor = await agentToken('runner', ['executor']);
    expect(
      (await call('POST', '/v1/tickets/redeem', { token: executor, body: { ticket: answer.ticket, ...write() } }))
        .status,
    ).toBe(200);
    expect(
      (await call('POST', '/v1/tickets/redeem', { token: executor, body: { ticket: answer.ticket, ...write() } }))
        .status,
    ).toBe(409);
    const kinds = (await call('GET', '/v1/audit?agent=apr-1', { token: await operatorToken() })).body.records
      .map((r: { record: { kind: string } }) => r.record.kind)
      .reverse();
    expect(kinds).toEqual([
      'approval_request',
      'decision',
      'approval_approve',
      'ticket_issue',
      'ticket_redeem',
      'ticket_replay',
    ]);
  });

  it('pending → expired → deny, and an expired approval can no longer be approved', async () => {
    const { body: decision } = await ask('apr-2', write());
    const id = decision.approval.id;
    await letExpire('apr-2', id);
    const { body } = await call('GET', `/v1/approvals/${id}`, { token: await agentToken('apr-2', ['engineer']) });
    expect(body).toMatchObject({ decision: 'deny', approval: { status: 'expired' } });
    expect(body.ticket).toBeUndefined();
    const late = await call('POST', `/v1/approvals/${id}/approve`, { token: await operatorToken() });
    expect(late.status).toBe(409);
    expect(late.body.error.message).toBe(`approval ${id} is already expired`);
  });

  it('the alarm expires approvals nobody reads, and wakes a long-poll with deny', async () => {
    const { body: decision } = await ask('apr-3', write());
    const waiting = call('GET', `/v1/approvals/${decision.approval.id}?wait=20`, {
      token: await agentToken('apr-3', ['engineer']),
    });
    await letExpire('apr-3', decision.approval.id);
    await runDurableObjectAlarm(stubOf('apr-3'));
    expect((await waiting).body).toMatchObject({ decision: 'deny', approval: { status: 'expired' } });
    const kinds = (await call('GET', '/v1/audit?agent=apr-3', { token: await operatorToken() })).body.records.map(
      (r: { record: { kind: string } }) => r.record.kind,
    );
    expect(kinds[0]).toBe('approval_expire');
  });

  it('no self-approval: an operator token for the requesting agent is refused, and agents cannot settle at all', async () => {
    const { body: decision } = await ask('apr-4', write());
    const id = decision.approval.id;
    const self = await call('POST', `/v1/approvals/${id}/approve`, { token: await operatorToken('apr-4') });
    expect(self.status).toBe(403);
    expect(self.body.error.message).toBe('an agent can never approve its own request');
    expect(
      (await call('POST', `/v1/approvals/${id}/approve`, { token: await agentToken('apr-4', ['engineer']) })).status,
    ).toBe(403);
    expect(
      (await call('GET', `/v1/approvals/${id}`, { token: await agentToken('someone-else', ['engineer']) })).status,
    ).toBe(403);
    expect(
      (await call('GET', `/v1/approvals/${id}`, { token: await agentToken('apr-4', ['engineer']) })).body.approval
        .status,
    ).toBe('pending');
  });

  it('a request changed after its approval is refused: the ticket binds the exact request', async () => {
    const { body: decision } = await ask('apr-5', write());
    const id = decision.approval.id;
    await call('POST', `/v1/approvals/${id}/approve`, { token: await operatorToken() });
    const { body } = await call('GET', `/v1/approvals/${id}`, { token: await agentToken('apr-5', ['engineer']) });
    const executor = await agentToken('runner', ['executor']);
    const changed = await call('POST', '/v1/tickets/redeem', {
      token: executor,
      body: { ticket: body.ticket, ...write('delete from orders') },
    });
    expect(changed.status).toBe(403);
    expect(changed.body.error.code).toBe('ticket_mismatch');
    // Asking for the changed request opens a new approval; asking for the approved one again reuses nothing settled.
    const again = await ask('apr-5', write('delete from orders'));
    expect(again.body.approval.id).not.toBe(id);
  });

  it('asking again for the same pending request returns the same approval', async () => {
    const first = await ask('apr-6', write());
    const second = await ask('apr-6', write());
    expect(second.body.approval.id).toBe(first.body.approval.id);
  });

  it('the cap on pending approvals holds under a flood of 200 concurrent requests', async () => {
    const stub = stubOf('apr-flood');
    const agent = { id: 'apr-flood', tenant: 'acme', roles: ['engineer'] };
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => stub.decide({ ...write(`update t set v = ${i}`), agent })),
    );
    const pending = results.filter((r) => r.decision === 'require_approval');
    expect(pending).toHaveLength(20); // the demo policy's approvals.max_pending
    expect(new Set(pending.map((r) => r.approval!.id)).size).toBe(20);
    expect(results.filter((r) => r.decision === 'deny' && r.code === 'approval_limit')).toHaveLength(180);
    expect((await calls('apr-flood').listApprovals('pending')).length).toBe(20);
    // Over HTTP too, the next one is denied, with the reason.
    const over = await ask('apr-flood', write('update t set v = -1'));
    expect(over.body).toMatchObject({
      decision: 'deny',
      code: 'approval_limit',
      reasons: [{ rule: null, message: expect.stringMatching(/20 approvals are already pending/) }],
    });
  });

  it('operators list approvals, from the agent or from the tenant index', async () => {
    const { body: decision } = await ask('apr-7', write());
    const ops = await operatorToken();
    const byAgent = await call('GET', '/v1/approvals?agent=apr-7&status=pending', { token: ops });
    expect(byAgent.body.approvals.map((a: { id: string }) => a.id)).toEqual([decision.approval.id]);
    await runDurableObjectAlarm(stubOf('apr-7')); // copies it to the tenant index
    const tenantWide = await call('GET', '/v1/approvals?status=pending', { token: ops });
    expect(tenantWide.body.approvals.map((a: { id: string }) => a.id)).toContain(decision.approval.id);
    expect((await call('GET', '/v1/approvals?status=maybe', { token: ops })).status).toBe(400);
    expect((await call('GET', '/v1/approvals', { token: await agentToken('apr-7') })).status).toBe(403);
  });
});

const HOOK_URL = 'https://hooks.example/tollgate';
const HOOK_SECRET = 'whsec-test';

describe('the approval webhook', () => {
  it('is told of each new approval, signed with HMAC-SHA256, retried with backoff, and never holds up a decision', async () => {
    const calls: { url: string; body: string; signature: string }[] = [];
    let failuresLeft = 2;
    // This agent's object is configured with a webhook, and the test stands in for the
    // receiver (there is none inside workerd locally); the first two deliveries fail.
    await runInDurableObject(stubOf('apr-hook'), (instance) => {
      const o = instance as unknown as { env: object; webhookFetch: unknown };
      o.env = { ...o.env, APPROVAL_WEBHOOK_URL: HOOK_URL, APPROVAL_WEBHOOK_SECRET: HOOK_SECRET };
      o.webhookFetch = async (url: string, init: RequestInit) => {
        calls.push({
          url,
          body: init.body as string,
          signature: new Headers(init.headers).get('x-tollgate-signature')!,
        });
        return new Response(null, { status: failuresLeft-- > 0 ? 500 : 204 });
      };
    });
    const { body: decision } = await ask('apr-hook', write());
    expect(decision.decision).toBe('require_approval'); // answered before any delivery
    const retryNow = () =>
      runInDurableObject(
        stubOf('apr-hook'),
        (_, state) => void state.storage.sql.exec('UPDATE webhook_outbox SET next_at = 0'),
      );
    await runDurableObjectAlarm(stubOf('apr-hook'));
    const backoff = await runInDurableObject(
      stubOf('apr-hook'),
      (_, state) => state.storage.sql.exec<{ next_at: number }>('SELECT next_at FROM webhook_outbox').one().next_at,
    );
    expect(backoff).toBeGreaterThan(Date.now()); // waiting before the retry
    await retryNow();
    await runDurableObjectAlarm(stubOf('apr-hook'));
    await retryNow();
    await runDurableObjectAlarm(stubOf('apr-hook'));
    expect(calls).toHaveLength(3);
    expect(new Set(calls.map((c) => c.body)).size).toBe(1);
    const event = JSON.parse(calls[2].body);
    expect(event).toMatchObject({
      type: 'approval.requested',
      approval: { id: decision.approval.id, agent: 'apr-hook', action: 'db.write', status: 'pending' },
    });
    // The receiver's check, with WebCrypto and the shared secret.
    const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(calls[2].signature)!;
    const key = await crypto.subtle.importKey(
      'raw',
      new TextEncoder().encode(HOOK_SECRET),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['verify'],
    );
    const mac = Uint8Array.from(v1.match(/../g)!, (h) => parseInt(h, 16));
    expect(await crypto.subtle.verify('HMAC', key, mac, new TextEncoder().encode(`${t}.${calls[2].body}`))).toBe(true);
    expect(calls[2].url).toBe(HOOK_URL);
    const left = await runInDurableObject(
      stubOf('apr-hook'),
      (_, state) => state.storage.sql.exec<{ n: number }>('SELECT count(*) AS n FROM webhook_outbox').one().n,
    );
    expect(left).toBe(0);
  });
});
