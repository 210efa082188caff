/**
 * Delegation at the edge: an agent mints a narrowed token for a child; the child's
 * decisions are bounded by every link; widening, a later expiry and excess depth are
 * refused; a child is named under its delegator; revoking a parent cuts off every descendant at its next call.
 */
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { call } from './http.js';
import { actAndReport } from './flows.js';
import { agentToken, operatorToken } from './tokens.js';

const query = { action: 'db.query', resource: 'db:dev/users', params: { sql: 'select 1' } };

async function delegate(token: string, body: object) {
  return call('POST', '/v1/delegations', { token, body });
}

describe('delegations', () => {
  it('a child acts within what it was given, with its chain in its token and its decisions', async () => {
    const parent = await agentToken('lead-1', ['analyst', 'engineer']);
    const res = await delegate(parent, {
      name: 'helper-a',
      actions: ['db.query'],
      resources: ['db:dev/**'],
      roles: ['analyst'],
      budget_usd: 1,
      ttl_seconds: 300,
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      agent: 'lead-1/helper-a',
      depth: 1,
      root: 'lead-1',
      chain: ['lead-1'],
      actions: ['db.query'],
      resources: ['db:dev/**'],
      roles: ['analyst'],
      budget_usd: 1,
    });
    const claims = decodeJwt(res.body.token);
    expect(claims).toMatchObject({
      sub: 'lead-1/helper-a',
      tenant: 'acme',
      act: { sub: 'lead-1' },
      delegation: { depth: 1, root: 'lead-1', chain: ['lead-1'] },
    });
    expect(claims.exp! - claims.iat!).toBe(300);

    const child = res.body.token;
    const allowed = await call('POST', '/v1/decide', { token: child, body: query });
    expect(allowed.body).toMatchObject({ decision: 'allow', code: 'rule', reasons: [{ rule: 'db-read' }] });
    // The parent could write to dev; the child was given reads only.
    const outside = await call('POST', '/v1/decide', {
      token: child,
      body: { action: 'db.write', resource: 'db:dev/users', params: { sql: 'update x' } },
    });
    expect(outside.body).toMatchObject({
      decision: 'deny',
      code: 'delegation',
      reasons: [{ message: "action 'db.write' is outside what was delegated to 'lead-1/helper-a'" }],
    });
    const otherDb = await call('POST', '/v1/decide', { token: child, body: { ...query, resource: 'db:prod/users' } });
    expect(otherDb.body.code).toBe('delegation');
    // The delegation is on the parent's record, and the child's decisions on its own.
    const ops = await operatorToken();
    const parentKinds = (await call('GET', '/v1/audit?agent=lead-1', { token: ops })).body.records.map(
      (r: { record: { kind: string } }) => r.record.kind,
    );
    expect(parentKinds).toContain('delegation_issue');
    expect(
      (await call('GET', '/v1/audit?agent=lead-1/helper-a&kind=decision', { token: ops })).body.records,
    ).toHaveLength(3);
  });

  it('the delegated budget holds: the child is denied once its daily cap would be passed', async () => {
    const parent = await agentToken('lead-2', ['assistant']);
    const { body } = await delegate(parent, { name: 'helper-b', actions: ['llm.chat'], budget_usd: 0.05 });
    const chat = {
      action: 'llm.chat',
      resource: 'model:gpt-4o-mini',
      params: { model: 'gpt-4o-mini' },
      cost: { usd: 0.02 },
    };
    const decisions = [];
    for (let i = 0; i < 4; i++)
      decisions.push((await call('POST', '/v1/decide', { token: body.token, body: chat })).body);
    expect(decisions.map((d) => d.decision)).toEqual(['allow', 'allow', 'deny', 'deny']);
    expect(decisions[2].reasons[0].message).toMatch(/delegated budget of 0.05 USD per day/);
  });

  it('policies read delegation.depth, .root and .chain: a delegated agent never sends money', async () => {
    const parent = await agentToken('cfo-bot', ['finance']);
    const pay = {
      action: 'payments.send',
      resource: 'vendor:aws',
      params: { amount_usd: 20, vendor: 'aws' },
      cost: { usd: 20 },
    };
    expect((await call('POST', '/v1/decide', { token: parent, body: pay })).body.decision).toBe('allow');
    const { body } = await delegate(parent, { name: 'cfo-helper' });
    expect((await call('POST', '/v1/decide', { token: body.token, body: pay })).body).toMatchObject({
      decision: 'deny',
      reasons: [{ rule: 'payments-not-delegated' }],
    });
    // Nor can a body claim a delegation of its own.
    const forged = await call('POST', '/v1/decide', {
      token: parent,
      body: { ...pay, delegation: { depth: 0, root: 'x', chain: [] } },
    });
    expect(forged.status).toBe(400);
  });

  it('refuses widening, a later expiry, excess depth and names with a slash', async () => {
    const root = await agentToken('lead-3', ['analyst']);
    const level1 = (await delegate(root, { name: 'd1', actions: ['db.*'], resources: ['db:**'], ttl_seconds: 600 }))
      .body.token;
    const refused = async (token: string, body: object, message: RegExp) => {
      const res = await delegate(token, body);
      expect(res.status, JSON.stringify(res.body)).toBe(403);
      expect(res.body.error).toMatchObject({ code: 'delegation_invalid', message: expect.stringMatching(message) });
    };
    await refused(level1, { name: 'd2', actions: ['github.*'] }, /^actions: .* is not within/);
    await refused(level1, { name: 'd2', actions: ['**'] }, /^actions:/);
    await refused(level1, { name: 'd2', roles: ['admin'] }, /^roles: the delegator does not hold 'admin'/);
    await refused(level1, { name: 'd2', ttl_seconds: 3600 }, /^ttl_seconds: the delegation would outlive/);
    const slashed = await delegate(level1, { name: 'd2/x' });
    expect([slashed.status, slashed.body.error.message]).toEqual([
      400,
      "name: must be the child's name under its delegator, 1 to 256 characters without '/'",
    ]);
    // The demo policy allows chains three deep.
    const level2 = (await delegate(level1, { name: 'd2', actions: ['db.query'] })).body.token;
    const level3 = (await delegate(level2, { name: 'd3' })).body.token;
    expect(decodeJwt(level3)).toMatchObject({
      sub: 'lead-3/d1/d2/d3',
      act: { sub: 'lead-3/d1/d2', act: { sub: 'lead-3/d1', act: { sub: 'lead-3' } } },
      delegation: { depth: 3, chain: ['lead-3', 'lead-3/d1', 'lead-3/d1/d2'] },
    });
    await refused(level3, { name: 'd4' }, /^the chain would be 4 deep; the policy allows at most 3/);
    const malformed = await delegate(level1, { name: 'd2', actions: 'db.*' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.message).toMatch(/^actions:/);
  });

  it('a child starts no more trusted than its parent', async () => {
    const parent = await agentToken('lead-4', ['analyst']);
    const ops = await operatorToken();
    // The parent loses trust (its executor reports violations), then delegates.
    for (let i = 0; i < 3; i++) await actAndReport('lead-4', ['analyst'], query, 'violation');
    const parentTrust = (await call('GET', '/v1/agents/lead-4', { token: ops })).body.trust;
    expect(parentTrust).toBeLessThan(50);
    const { body } = await delegate(parent, { name: 'helper-c' });
    expect(body.trust_ceiling).toBe(parentTrust);
    await call('POST', '/v1/decide', { token: body.token, body: query });
    expect((await call('GET', `/v1/agents/${encodeURIComponent('lead-4/helper-c')}`, { token: ops })).body.trust).toBe(
      50,
    ); // its own record
    // Every decision it makes sees at most its parent's trust: a rule gated above that never allows it.
    expect((await call('POST', '/v1/decide', { token: body.token, body: query })).body.decision).toBe('allow');
  });

  it('revoking a parent revokes all of its descendants at their next call', async () => {
    const root = await agentToken('lead-5', ['analyst']);
    const mid = (await delegate(root, { name: 'm1' })).body.token;
    const leaf = (await delegate(mid, { name: 'm2' })).body.token;
    expect((await call('POST', '/v1/decide', { token: leaf, body: query })).body.decision).toBe('allow');
    // The root revokes the middle link: the leaf below it is cut off too.
    const revoked = await call('POST', '/v1/delegations/revoke', { token: root, body: { token: mid } });
    expect(revoked.body).toEqual({ revoked: { jti: decodeJwt(mid).jti, agent: 'lead-5/m1' } });
    for (const token of [mid, leaf]) {
      const res = await call('POST', '/v1/decide', { token, body: query });
      expect(res.status).toBe(401);
      expect(res.body.error.message).toMatch(/^the token was revoked/);
    }
    expect((await delegate(mid, { name: 'm3' })).status).toBe(401);
    // Introspection agrees.
    const executor = await agentToken('runner', ['executor']);
    expect((await call('POST', '/v1/introspect', { token: executor, body: { token: leaf } })).body).toEqual({
      active: false,
    });
    // The root itself is untouched.
    expect((await call('POST', '/v1/decide', { token: root, body: query })).body.decision).toBe('allow');
  });

  it('an operator can revoke an agent: every chain it is in stops; only operators or agents above may revoke', async () => {
    const root = await agentToken('lead-6', ['analyst']);
    const child = (await delegate(root, { name: 'k1' })).body.token;
    const grandchild = (await delegate(child, { name: 'k2' })).body.token;
    expect(
      (await call('POST', '/v1/delegations/revoke', { token: await agentToken('stranger'), body: { token: child } }))
        .status,
    ).toBe(403);
    expect((await call('POST', '/v1/delegations/revoke', { token: grandchild, body: { token: child } })).status).toBe(
      403,
    ); // below, not above
    expect((await call('POST', '/v1/delegations/revoke', { token: root, body: { agent: 'lead-6/k1' } })).status).toBe(
      403,
    ); // agents revoke tokens, not agents
    const executor = await agentToken('runner', ['executor']);
    expect((await call('POST', '/v1/introspect', { token: executor, body: { token: grandchild } })).body).toMatchObject(
      { active: true, token_type: 'delegation', act: { sub: 'lead-6/k1', act: { sub: 'lead-6' } } },
    );
    expect(
      (await call('POST', '/v1/delegations/revoke', { token: await operatorToken(), body: { agent: 'lead-6/k1' } }))
        .status,
    ).toBe(200);
    expect((await call('POST', '/v1/decide', { token: grandchild, body: query })).status).toBe(401);
    expect((await call('POST', '/v1/decide', { token: child, body: query })).status).toBe(401); // the revoked agent's own token too
    expect((await call('POST', '/v1/decide', { token: root, body: query })).status).toBe(200); // its delegator was not revoked
  });

  it('a delegation token is only ever verified against Tollgate’s own keys', async () => {
    const { body } = await delegate(await agentToken('lead-7', ['analyst']), {
      name: 'z1',
      actions: ['db.query'],
      resources: ['db:dev/other'],
    });
    const [h, p] = body.token.split('.');
    const widened = JSON.parse(atob(p.replace(/-/g, '+').replace(/_/g, '/')));
    widened.links[0].actions = ['**'];
    widened.links[0].resources = ['**'];
    const tampered = `${h}.${btoa(JSON.stringify(widened)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}.${body.token.split('.')[2]}`;
    expect(tampered).not.toBe(body.token);
    expect((await call('POST', '/v1/decide', { token: body.token, body: query })).body.code).toBe('delegation'); // as given: db:dev/other only
    expect((await call('POST', '/v1/decide', { token: tampered, body: query })).status).toBe(401);
  });
});
