/**
 * RFC 7662 introspection, for operators and executors only.
 */
import { describe, expect, it } from 'vitest';
import { call, BASE } from './http.js';
import { SELF } from 'cloudflare:test';
import { agentToken, operatorToken, token } from './tokens.js';

async function introspect(caller: string, subject: string): Promise<{ status: number; body: any }> {
  const res = await SELF.fetch(`${BASE}/v1/introspect`, {
    method: 'POST',
    headers: { authorization: `Bearer ${caller}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: subject }).toString(),
  });
  return { status: res.status, body: await res.json() };
}

describe('POST /v1/introspect', () => {
  it('describes an active agent token', async () => {
    const subject = await agentToken('intro-1', ['analyst']);
    const { status, body } = await introspect(await operatorToken(), subject);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      active: true,
      token_type: 'agent',
      sub: 'intro-1',
      tenant: 'acme',
      roles: ['analyst'],
    });
  });

  it('describes a ticket until it is redeemed', async () => {
    const post = { action: 'github.get_issue', resource: 'github:acme/api' };
    const { ticket } = (await call('POST', '/v1/decide', { token: await agentToken('intro-2'), body: post })).body;
    const executor = await agentToken('runner', ['executor']);
    expect((await introspect(executor, ticket)).body).toMatchObject({
      active: true,
      token_type: 'ticket',
      sub: 'intro-2',
      action: post.action,
    });
    expect((await call('POST', '/v1/tickets/redeem', { token: executor, body: { ticket, ...post } })).status).toBe(200);
    expect((await introspect(executor, ticket)).body).toEqual({ active: false });
  });

  it('says inactive, without an error, for garbage, expired and other tenants’ tokens', async () => {
    const op = await operatorToken();
    expect((await introspect(op, 'not.a.token')).body).toEqual({ active: false });
    expect((await introspect(op, await token({ sub: 'x', exp: Math.floor(Date.now() / 1000) - 3600 }))).body).toEqual({
      active: false,
    });
    expect((await introspect(op, await token({ sub: 'x', tenant: 'other' }))).body).toEqual({ active: false });
  });

  it('is only for operators and executors', async () => {
    expect((await introspect(await agentToken('nosy'), await agentToken('x'))).status).toBe(403);
  });
});
