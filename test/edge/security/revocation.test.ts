/**
 * Revocation: a revoked delegation, or a revoked agent, is cut off on every route its
 * token can call, at its next call.
 */
import { describe, expect, it } from 'vitest';
import { call } from '../http.js';
import { agentToken, operatorToken } from '../tokens.js';

const post = { action: 'slack.post', resource: 'slack:acme', params: { channel: '#eng', text: 'hi' } };

/** Every route a delegated token can call, with a body that would otherwise be accepted. */
function routes(agent: string, ticket: string): [string, string, object | undefined][] {
  return [
    ['POST', '/v1/decide', post],
    ['POST', '/v1/decide/batch', { requests: [post] }],
    ['POST', '/v1/outcomes', { agent, decision: `dec_${'1'.repeat(32)}`, outcome: 'success' }],
    ['GET', `/v1/agents/${encodeURIComponent(agent)}`, undefined],
    ['GET', `/v1/approvals/apr_${'0'.repeat(32)}_${btoa(agent).replace(/=+$/, '')}`, undefined],
    ['POST', '/v1/tickets/redeem', { ticket, ...post }],
    ['POST', '/v1/delegations', { name: 'grandchild' }],
    ['POST', '/v1/introspect', { token: ticket }],
  ];
}

async function delegated(parent: string) {
  const { body } = await call('POST', '/v1/delegations', {
    token: await agentToken(parent, ['assistant', 'executor']),
    body: { name: 'worker', roles: ['assistant', 'executor'] },
  });
  const decided = (await call('POST', '/v1/decide', { token: body.token, body: post })).body;
  expect(decided.decision).toBe('allow');
  return { child: body.agent as string, token: body.token as string, ticket: decided.ticket as string };
}

describe('revocation', () => {
  it('after a delegation is revoked, its token gets 401 on every route, and introspection says inactive', async () => {
    const { child, token, ticket } = await delegated('rev-lead-1');
    // Before: every route answers, none with 401.
    for (const [method, path, body] of routes(child, ticket))
      expect((await call(method, path, { token, body })).status, `${method} ${path}`).not.toBe(401);
    const revoke = await call('POST', '/v1/delegations/revoke', { token: await operatorToken(), body: { token } });
    expect(revoke.status).toBe(200);
    for (const [method, path, body] of routes(child, ticket)) {
      const res = await call(method, path, { token, body });
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(res.body.error.message).toBe('the token was revoked (a link of its delegation chain)');
    }
    const executor = await agentToken('rev-runner', ['executor']);
    expect((await call('POST', '/v1/introspect', { token: executor, body: { token } })).body).toEqual({
      active: false,
    });
  });

  it("revoking an agent cuts off its own tokens too: its delegation token and its identity provider's", async () => {
    const { child, token, ticket } = await delegated('rev-lead-2');
    expect(
      (await call('POST', '/v1/delegations/revoke', { token: await operatorToken(), body: { agent: child } })).status,
    ).toBe(200);
    for (const [method, path, body] of routes(child, ticket)) {
      const res = await call(method, path, { token, body });
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(res.body.error.message).toBe(`the token was revoked (agent '${child}')`);
    }
    // A root agent revoked by an operator is cut off as well, whatever token it presents.
    const root = await agentToken('rev-root', ['assistant']);
    expect((await call('POST', '/v1/decide', { token: root, body: post })).status).toBe(200);
    expect(
      (await call('POST', '/v1/delegations/revoke', { token: await operatorToken(), body: { agent: 'rev-root' } }))
        .status,
    ).toBe(200);
    expect(
      (await call('POST', '/v1/decide', { token: await agentToken('rev-root', ['assistant']), body: post })).status,
    ).toBe(401);
    const executor = await agentToken('rev-runner', ['executor']);
    expect((await call('POST', '/v1/introspect', { token: executor, body: { token: root } })).body).toEqual({
      active: false,
    });
  });
});
