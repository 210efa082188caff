/**
 * `tollgate/client` against the real edge in workerd: decisions, approvals, redemption,
 * outcomes and local ticket verification; typed errors that are never retried; a real 503
 * (the agent's object without its engine, as when its bundle failed to load) retried under
 * one idempotency key, so the retry decides once; and a ticket key the client has not seen
 * yet, fetched again from the JWKS.
 */
import { runInDurableObject, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { TollgateApiError, TollgateClient } from '../../src/client/index.js';
import { stubOf, tailOf } from './agents.js';
import { BASE, call } from './http.js';
import { agentToken, operatorToken } from './tokens.js';

let counter = 0;
const fresh = () => `client-${++counter}-${Date.now()}`;
const chat = { action: 'llm.chat', resource: 'llm:openai', params: { model: 'gpt-4o-mini' }, cost: { usd: 0.02 } };

/** The Worker's fetch, recording what the client sent. */
function recording() {
  const sent: { url: string; body: any }[] = [];
  const fetcher = (async (input: RequestInfo | URL, init?: RequestInit) => {
    sent.push({ url: String(input), body: init?.body ? JSON.parse(String(init.body)) : null });
    return SELF.fetch(input, init);
  }) as typeof fetch;
  return { sent, fetcher };
}

const client = (token: string, fetcher: typeof fetch = (i, init) => SELF.fetch(i, init)) =>
  new TollgateClient({
    baseUrl: BASE,
    token,
    fetch: fetcher,
    retry: { baseDelayMs: 10 },
  });

describe('tollgate/client', () => {
  it('decides, verifies the ticket locally, redeems it once as the executor, and reports the outcome', async () => {
    const agent = fresh();
    const decision = await client(await agentToken(agent, ['assistant'])).decide(chat);
    expect(decision).toMatchObject({ decision: 'allow', ticket: expect.any(String) });

    const executor = client(await agentToken('runner-1', ['executor']));
    const claims = await executor.verifyTicket(decision.ticket!, { action: 'llm.chat', resource: 'llm:openai' });
    expect(claims).toMatchObject({ sub: agent, action: 'llm.chat', decision: decision.id });
    await expect(
      executor.verifyTicket(decision.ticket!, { action: 'db.write', resource: 'llm:openai' }),
    ).rejects.toMatchObject({
      code: 'ticket_mismatch',
    });

    const ticketed = { ticket: decision.ticket!, action: chat.action, resource: chat.resource, params: chat.params };
    expect(await executor.redeem(ticketed)).toMatchObject({ redeemed: true, agent, decision: decision.id });
    const replay = await executor.redeem(ticketed).catch((e) => e);
    expect(replay).toBeInstanceOf(TollgateApiError);
    expect(replay).toMatchObject({ code: 'ticket_replay', status: 409 });

    const state = await executor.reportOutcome({
      agent,
      decision: decision.id,
      outcome: 'success',
      cost: { usd: 0.01 },
    });
    expect(state).toMatchObject({ agent: { id: agent } });
  });

  it('throws 4xx as typed errors at once, without retrying', async () => {
    const { sent, fetcher } = recording();
    const bad = await client(await agentToken(fresh(), ['assistant']), fetcher)
      .decide({ action: '', resource: 'llm:openai' })
      .catch((e) => e);
    expect(bad).toBeInstanceOf(TollgateApiError);
    expect(bad).toMatchObject({ code: 'invalid_request', status: 400, requestId: expect.any(String) });
    expect(sent.filter((s) => s.url.endsWith('/v1/decide'))).toHaveLength(1);
  });

  it('retries a 503 with backoff under one idempotency key, so the retry decides once', async () => {
    const agent = fresh();
    const token = await agentToken(agent, ['assistant']);
    await client(token).decide(chat); // the object is up, with its engine
    let engine: unknown = null;
    await runInDurableObject(stubOf(agent), (instance) => {
      engine = (instance as unknown as { engine: unknown }).engine;
      (instance as unknown as { engine: unknown }).engine = null; // as if its bundle had failed to load: 503
    });
    const { sent, fetcher } = recording();
    const healing = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const res = await fetcher(input, init);
      if (res.status === 503)
        await runInDurableObject(stubOf(agent), (instance) => {
          (instance as unknown as { engine: unknown }).engine = engine; // back before the retry
        });
      return res;
    }) as typeof fetch;
    const decision = await client(token, healing).decide(chat);
    expect(decision.decision).toBe('allow');
    const attempts = sent.filter((s) => s.url.endsWith('/v1/decide'));
    expect(attempts).toHaveLength(2);
    expect(attempts[0].body.idempotency_key).toEqual(expect.any(String));
    expect(attempts[1].body.idempotency_key).toBe(attempts[0].body.idempotency_key);
    // The first call's decision and the retry's: the failed attempt decided nothing.
    const decisions = (await tailOf(agent)).pending.filter((p: any) => (p.record ?? p).kind === 'decision');
    expect(decisions).toHaveLength(2);
  });

  it('gives up after its retries with the last error', async () => {
    const unavailable = (async () =>
      new Response(JSON.stringify({ error: { code: 'unavailable', message: 'down' } }), {
        status: 503,
        headers: { 'retry-after': '0' },
      })) as typeof fetch; // a stand-in for an edge that stays down: the platform can't keep one down on demand
    let calls = 0;
    const counting = (async (i: RequestInfo | URL, init?: RequestInit) => (
      calls++,
      unavailable(i, init)
    )) as typeof fetch;
    const error = await new TollgateClient({
      baseUrl: BASE,
      token: 't',
      fetch: counting,
      retry: { retries: 2, baseDelayMs: 1 },
    })
      .decide(chat)
      .catch((e) => e);
    expect(error).toMatchObject({ code: 'unavailable', status: 503, retryAfterSeconds: 0 });
    expect(calls).toBe(3);
  });

  it('verifies a ticket signed with a key it has not seen yet by fetching the keys again', async () => {
    const decision = await client(await agentToken(fresh(), ['assistant'])).decide(chat);
    let stale = true;
    const rotating = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const res = await SELF.fetch(input, init);
      if (!String(input).endsWith('/.well-known/jwks.json') || !stale) return res;
      stale = false; // the first JWKS read is from before the ticket key was published
      const { keys } = (await res.json()) as { keys: { kid: string }[] };
      return Response.json({ keys: keys.filter((k) => k.kid !== 'ticket-key-1') });
    }) as typeof fetch;
    const executor = client(await agentToken('runner-1', ['executor']), rotating);
    await expect(executor.verifyTicket(decision.ticket!)).rejects.toThrow(/ticket rejected/);
    await new Promise((r) => setTimeout(r, 1100)); // past the refetch cooldown
    expect(await executor.verifyTicket(decision.ticket!)).toMatchObject({ decision: decision.id });
  });

  it('waits for an approval and gets its ticket once an operator approves', async () => {
    const agent = fresh();
    const tollgate = client(await agentToken(agent, ['assistant']));
    const asked = await tollgate.decide({
      action: 'mcp.demo.delete_records',
      resource: 'mcp:demo/delete_records',
      params: { table: 't' },
    });
    expect(asked.decision).toBe('require_approval');
    const waiting = tollgate.waitForApproval(asked.approval!.id, { timeoutMs: 20_000 });
    await new Promise((r) => setTimeout(r, 200));
    const approved = await call('POST', `/v1/approvals/${asked.approval!.id}/approve`, {
      token: await operatorToken(),
      body: {},
    });
    expect(approved.status).toBe(200);
    expect(await waiting).toMatchObject({
      decision: 'allow',
      ticket: expect.any(String),
      approval: { status: 'approved' },
    });
  });
});
