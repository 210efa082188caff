/**
 * The egress proxy against a real HTTP server on loopback (test/helpers/egress-upstream.ts):
 * a ticketed call is forwarded with the upstream's secret and nothing of the executor's, a
 * call that differs from its ticket is refused, a replay is refused, and no private or
 * metadata target is ever reached, directly or through a redirect.
 */
import { describe, expect, it } from 'vitest';
import { tailOf } from './agents.js';
import { call } from './http.js';
import { agentToken, operatorToken } from './tokens.js';

const API = 'http://127.0.0.1:18790';
let counter = 0;
const fresh = () => `egress-agent-${++counter}-${Date.now()}`;
const executor = () => agentToken('runner-1', ['executor']);

/** The agent decides the call first; its allow carries the ticket the executor presents. */
async function ticketFor(agent: string, method: string, url: string, body = '') {
  const res = await call('POST', '/v1/decide', {
    token: await agentToken(agent, ['caller']),
    body: { action: 'egress.demo-api', resource: url, params: { method, body } },
  });
  expect(res.body).toMatchObject({ decision: 'allow' });
  return res.body.ticket as string;
}

const proxy = async (body: object, token?: string) =>
  call('POST', '/v1/proxy', { token: token ?? (await executor()), body });

describe('the egress proxy', () => {
  it("forwards a ticketed call with the upstream's secret, and none of the executor's credentials", async () => {
    const agent = fresh();
    const url = `${API}/v1/charges?amount=5`;
    const body = JSON.stringify({ amount: 5 });
    const ticket = await ticketFor(agent, 'POST', url, body);
    const res = await proxy({
      ticket,
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', authorization: 'Bearer stolen', cookie: 'session=1' },
      body,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-tollgate-upstream')).toBe('demo-api');
    expect(res.body).toMatchObject({ method: 'POST', url: '/v1/charges?amount=5', body });
    expect(res.body.headers.authorization).toBe('Bearer demo-api-secret');
    expect(res.body.headers.cookie).toBeUndefined();
    expect(JSON.stringify(res.body.headers)).not.toContain('stolen');
    // Audited on the agent's chain: the redemption, then the call's status and size.
    const records = (await tailOf(agent)).pending.map((p) => p.record);
    expect(records.map((r) => r.kind).filter((k) => k === 'ticket_redeem' || k === 'egress')).toEqual([
      'ticket_redeem',
      'egress',
    ]);
    expect(records.find((r) => r.kind === 'egress')).toMatchObject({
      upstream: 'demo-api',
      method: 'POST',
      status: 200,
    });
  });

  it('refuses a call that differs from its ticket (403), and a replay (409), and forwards neither', async () => {
    const url = `${API}/v1/charges`;
    const ticket = await ticketFor(fresh(), 'POST', url, '{"amount":5}');
    expect((await proxy({ ticket, method: 'POST', url, body: '{"amount":500}' })).body.error.code).toBe(
      'ticket_mismatch',
    );
    expect((await proxy({ ticket, method: 'PUT', url, body: '{"amount":5}' })).body.error.code).toBe('ticket_mismatch');
    expect((await proxy({ ticket, method: 'POST', url: `${url}/other`, body: '{"amount":5}' })).status).toBe(403);
    const first = await proxy({ ticket, method: 'POST', url, body: '{"amount":5}' });
    expect(first.status).toBe(200);
    const again = await proxy({ ticket, method: 'POST', url, body: '{"amount":5}' });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('ticket_replay');
  });

  it('refuses a private or metadata target: outside every declared upstream, or reached by a redirect', async () => {
    for (const url of ['http://169.254.169.254/latest/meta-data/', 'http://10.0.0.1/', 'https://example.com/']) {
      const res = await proxy({ ticket: 'x', method: 'GET', url });
      expect(res.status, url).toBe(403);
      expect(res.body.error.code, url).toBe('egress_refused');
    }
    for (const path of ['/redirect-metadata', '/redirect-elsewhere']) {
      const ticket = await ticketFor(fresh(), 'GET', `${API}${path}`);
      const res = await proxy({ ticket, method: 'GET', url: `${API}${path}` });
      expect(res.status, path).toBe(403);
      expect(res.body.error, path).toMatchObject({
        code: 'egress_refused',
        message: expect.stringMatching(/another origin/),
      });
    }
  });

  it('refuses a header the platform would refuse, before the ticket is burned', async () => {
    const url = `${API}/v1/charges`;
    const ticket = await ticketFor(fresh(), 'GET', url);
    const bad = await proxy({ ticket, method: 'GET', url, headers: { 'x-note': 'a\r\nx-injected: 1' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_request');
    expect((await proxy({ ticket, method: 'GET', url })).status).toBe(200);
  });

  it("relays the upstream's status as it is, a 404 and a bodiless 204 too, and audits a refused redirect", async () => {
    const agent = fresh();
    const missing = await proxy({
      ticket: await ticketFor(agent, 'GET', `${API}/missing`),
      method: 'GET',
      url: `${API}/missing`,
    });
    expect(missing.status).toBe(404);
    const empty = await proxy({
      ticket: await ticketFor(agent, 'DELETE', `${API}/empty`),
      method: 'DELETE',
      url: `${API}/empty`,
    });
    expect(empty.status).toBe(204);
    await proxy({
      ticket: await ticketFor(agent, 'GET', `${API}/redirect-metadata`),
      method: 'GET',
      url: `${API}/redirect-metadata`,
    });
    const egress = (await tailOf(agent)).pending.map((p) => p.record).filter((r) => r.kind === 'egress');
    expect(egress.map((r) => [r.status, r.error ?? null])).toEqual([
      [404, null],
      [204, null],
      [null, 'egress_refused'],
    ]);
  });

  it('forwards nothing for a suspended agent, and audits the refusal', async () => {
    const agent = fresh();
    const url = `${API}/v1/charges`;
    const ticket = await ticketFor(agent, 'GET', url);
    await call('POST', `/v1/agents/${agent}/suspend`, { token: await operatorToken() });
    const res = await proxy({ ticket, method: 'GET', url });
    expect(res.status).toBe(403);
    const kinds = (await tailOf(agent)).pending.map((p) => p.record.kind);
    expect(kinds).toContain('ticket_refused');
    expect(kinds).not.toContain('egress');
    expect(kinds).not.toContain('ticket_redeem');
  });

  it('is for executors only', async () => {
    const ticket = await ticketFor(fresh(), 'GET', `${API}/`);
    const res = await proxy({ ticket, method: 'GET', url: `${API}/` }, await agentToken('not-an-executor', ['caller']));
    expect(res.status).toBe(403);
  });
});

describe('DLP on proxied calls', () => {
  it('a body with a secret in it is denied at the decision, so no ticket exists to send it with', async () => {
    const res = await call('POST', '/v1/decide', {
      token: await agentToken(fresh(), ['caller']),
      body: {
        action: 'egress.demo-api',
        resource: `${API}/v1/notes`,
        params: { method: 'POST', body: JSON.stringify({ note: 'key AKIAIOSFODNN7EXAMPLE' }) },
      },
    });
    expect(res.body).toMatchObject({ decision: 'deny', code: 'dlp' });
    expect(res.body.ticket).toBeUndefined();
  });
});
