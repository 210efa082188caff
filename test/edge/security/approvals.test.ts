/**
 * Approvals grant nothing by themselves: approving checks the request's limits and
 * reserves its cost, the ticket is issued only to an agent still in good standing, an
 * unclaimed approval expires and gives its reservation back, and approvers see what they
 * approve (params with DLP-flagged values masked, and the cost).
 */
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { stubOf } from '../agents.js';
import { call } from '../http.js';
import { agentToken, operatorToken } from '../tokens.js';

const pay = (vendor: string, amount = 400) => ({
  action: 'payments.send',
  resource: `vendor:${vendor}`,
  params: { amount_usd: amount, vendor },
});

async function requestPayment(agent: string, body: object) {
  const res = await call('POST', '/v1/decide', { token: await agentToken(agent, ['finance']), body });
  expect(res.body).toMatchObject({ decision: 'require_approval', approval: { status: 'pending' } });
  return res.body.approval.id as string;
}

/**
 * Runs the agent's alarm until `done` (at most five times): workerd may also run a due alarm
 * by itself, concurrently, so one explicit run is not always the one that delivers.
 */
async function runAlarmsUntil(agent: string, done: () => boolean): Promise<void> {
  for (let i = 0; i < 5 && !done(); i++) {
    await runDurableObjectAlarm(stubOf(agent));
    await new Promise((r) => setTimeout(r, 20));
  }
}

const approve = async (id: string) =>
  call('POST', `/v1/approvals/${id}/approve`, { token: await operatorToken('ops-2') });
const read = async (agent: string, id: string) =>
  call('GET', `/v1/approvals/${id}`, { token: await agentToken(agent, ['finance']) });
const monthUsed = async (agent: string) =>
  (await call('GET', `/v1/agents/${agent}`, { token: await operatorToken() })).body.budgets.find(
    (b: { rule: string }) => b.rule === 'payments-small',
  ).used;
const auditKinds = async (agent: string) =>
  (await call('GET', `/v1/audit?agent=${agent}`, { token: await operatorToken() })).body.records.map(
    (r: { record: { kind: string } }) => r.record.kind,
  );

describe('approvals', () => {
  it('an approval of a suspended or revoked agent yields no ticket', async () => {
    // Suspended before the approval: the approval itself fails.
    const a = await requestPayment('apr-sus-1', pay('acme'));
    await call('POST', '/v1/agents/apr-sus-1/suspend', { token: await operatorToken() });
    const refused = await approve(a);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/can't be granted now: the agent is suspended/);
    // Suspended after the approval: the agent reads it, and gets no ticket.
    const b = await requestPayment('apr-sus-2', pay('acme'));
    expect((await approve(b)).status).toBe(200);
    await call('POST', '/v1/agents/apr-sus-2/suspend', { token: await operatorToken() });
    const suspended = await read('apr-sus-2', b);
    expect(suspended.body).toMatchObject({
      decision: 'deny',
      reason: 'the agent is suspended, so the approved request gets no ticket',
      approval: { status: 'approved' },
    });
    expect(suspended.body.ticket).toBeUndefined();
    // Revoked after the approval: its token is refused before anything is read.
    const c = await requestPayment('apr-rev', pay('acme'));
    expect((await approve(c)).status).toBe(200);
    await call('POST', '/v1/delegations/revoke', { token: await operatorToken(), body: { agent: 'apr-rev' } });
    expect((await read('apr-rev', c)).status).toBe(401);
    for (const agent of ['apr-sus-1', 'apr-sus-2', 'apr-rev'])
      expect(await auditKinds(agent)).not.toContain('ticket_issue');
  });

  it('approving checks the limits and reserves the cost: of three $400 payments against $500 a month, one is approved', async () => {
    const agent = 'apr-budget';
    const ids = [
      await requestPayment(agent, pay('a')),
      await requestPayment(agent, pay('b')),
      await requestPayment(agent, pay('c')),
    ];
    expect(await monthUsed(agent)).toBe(0); // pending approvals reserve nothing
    const results = [];
    for (const id of ids) results.push(await approve(id));
    expect(results.map((r) => r.status)).toEqual([200, 409, 409]);
    for (const r of results.slice(1))
      expect(r.body.error.message).toMatch(/would exceed the budget of rule 'payments-small' \(500 USD per month\)/);
    expect(await monthUsed(agent)).toBe(400);
    // The agent reads all three: one ticket, ever.
    const answers = await Promise.all(ids.map((id) => read(agent, id)));
    expect(answers.map((a) => a.body.decision)).toEqual(['allow', 'require_approval', 'require_approval']);
    expect((await read(agent, ids[0])).body.ticket).toBe(answers[0].body.ticket);
    expect((await auditKinds(agent)).filter((k: string) => k === 'ticket_issue')).toHaveLength(1);
  });

  it("an approved request whose ticket isn't claimed within approvals.claim_ttl expires, and gives its reservation back", async () => {
    const agent = 'apr-unclaimed';
    const id = await requestPayment(agent, pay('late'));
    const approved = await approve(id);
    expect(approved.body.approval.claim_expires_at - approved.body.approval.decided_at).toBe(15 * 60_000); // the demo's default claim_ttl
    expect(await monthUsed(agent)).toBe(400);
    // The claim time passes (workerd's clock stands still between I/O, so the deadline is moved).
    await runInDurableObject(
      stubOf(agent),
      (_, ctx) =>
        void ctx.storage.sql.exec('UPDATE approval_requests SET claim_expires_at = ? WHERE id = ?', Date.now() - 1, id),
    );
    await runDurableObjectAlarm(stubOf(agent));
    const late = await read(agent, id);
    expect(late.body).toMatchObject({ decision: 'deny', approval: { status: 'expired' } });
    expect(late.body.ticket).toBeUndefined();
    expect(await monthUsed(agent)).toBe(0);
    expect((await auditKinds(agent))[0]).toBe('approval_expire');
  });

  it('the approval, the list and the webhook show the params (DLP-flagged values masked) and the cost', async () => {
    const agent = 'apr-shown';
    const events: { type: string; approval: Record<string, unknown> }[] = [];
    await runInDurableObject(stubOf(agent), (instance) => {
      // This agent's object has a webhook, and the test stands in for the receiver.
      const o = instance as unknown as { env: object; webhookFetch: unknown };
      o.env = { ...o.env, APPROVAL_WEBHOOK_URL: 'https://hooks.example/tollgate', APPROVAL_WEBHOOK_SECRET: 'whsec' };
      o.webhookFetch = async (_url: string, init: RequestInit) => (
        events.push(JSON.parse(init.body as string)),
        new Response(null, { status: 204 })
      );
    });
    const body = {
      ...pay('acme'),
      params: { amount_usd: 400, vendor: 'contact billing@vendor.example' },
      cost: { usd: 1 },
    };
    const id = await requestPayment(agent, body);
    const expected = { params: { amount_usd: 400, vendor: 'contact [REDACTED:email]' }, cost: { usd: 400, tokens: 0 } };
    expect((await call('GET', `/v1/approvals/${id}`, { token: await operatorToken() })).body.approval).toMatchObject(
      expected,
    );
    expect(
      (await call('GET', `/v1/approvals?agent=${agent}`, { token: await operatorToken() })).body.approvals[0],
    ).toMatchObject(expected);
    await runAlarmsUntil(agent, () => events.length > 0); // delivers the webhook, copies to the tenant index
    expect(
      (await call('GET', '/v1/approvals?status=pending', { token: await operatorToken() })).body.approvals.find(
        (a: { id: string }) => a.id === id,
      ),
    ).toMatchObject(expected);
    expect(events[0]).toMatchObject({ type: 'approval.requested', approval: expected });
    expect(JSON.stringify(events)).not.toContain('billing@vendor.example');
  });

  it('the webhook also sends settled and expired events', async () => {
    const agent = 'apr-events';
    const events: string[] = [];
    await runInDurableObject(stubOf(agent), (instance) => {
      const o = instance as unknown as { env: object; webhookFetch: unknown };
      o.env = { ...o.env, APPROVAL_WEBHOOK_URL: 'https://hooks.example/tollgate', APPROVAL_WEBHOOK_SECRET: 'whsec' };
      o.webhookFetch = async (_url: string, init: RequestInit) => (
        events.push(JSON.parse(init.body as string).type),
        new Response(null, { status: 204 })
      );
    });
    const approved = await requestPayment(agent, pay('one', 150));
    const denied = await requestPayment(agent, pay('two', 150));
    const expiring = await requestPayment(agent, pay('three', 150));
    await approve(approved);
    await call('POST', `/v1/approvals/${denied}/deny`, { token: await operatorToken() });
    await runInDurableObject(
      stubOf(agent),
      (_, ctx) =>
        void ctx.storage.sql.exec('UPDATE approval_requests SET expires_at = ? WHERE id = ?', Date.now() - 1, expiring),
    );
    await runAlarmsUntil(agent, () => events.length >= 6);
    expect(events.sort()).toEqual([
      'approval.approved',
      'approval.denied',
      'approval.expired',
      'approval.requested',
      'approval.requested',
      'approval.requested',
    ]);
  });
});
