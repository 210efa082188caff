/**
 * The tenant-wide halt, inside workerd: one operator call suspends every agent of the tenant
 * at once (agents never seen before too), in every place a suspended agent is stopped,
 * and nothing of another tenant; resuming lifts only the halt.
 */
import { describe, expect, it } from 'vitest';
import { tailOf } from './agents.js';
import { call } from './http.js';
import { token } from './tokens.js';

const TENANT = 'halt-co';
const agent = (sub: string) => token({ sub, tenant: TENANT, roles: ['assistant'] });
const operator = (sub = 'ops-halt') => token({ sub, tenant: TENANT, role: 'operator', typ: 'tollgate-operator+jwt' });
const chat = { action: 'llm.chat', resource: 'llm:openai', params: { model: 'gpt-4o-mini' }, cost: { usd: 0.01 } };

describe('the tenant-wide halt', () => {
  it('suspends every agent of the tenant at once, seen or not, with audited denies and no tickets redeemed', async () => {
    const ops = await operator();
    const seen = await agent('halt-seen');
    const before = await call('POST', '/v1/decide', { token: seen, body: chat });
    expect(before.body.decision).toBe('allow');
    expect((await call('GET', '/v1/tenant', { token: ops })).body).toEqual({
      tenant: TENANT,
      halted: false,
      halt: null,
    });

    const halted = await call('POST', '/v1/tenant/halt', { token: ops });
    expect(halted.status).toBe(200);
    expect(halted.body).toMatchObject({ tenant: TENANT, halted: true, halt: { by: 'ops-halt' } });

    for (const sub of ['halt-seen', 'halt-never-seen']) {
      const d = await call('POST', '/v1/decide', { token: await agent(sub), body: chat });
      expect(d.body, sub).toMatchObject({ decision: 'deny', code: 'suspended' });
      const last = (await tailOf(sub, TENANT)).pending.at(-1)!.record;
      expect(last).toMatchObject({ kind: 'decision', decision: 'deny', code: 'suspended' });
    }
    // A ticket issued before the halt is not redeemed while it stands.
    const executor = await token({ sub: 'halt-runner', tenant: TENANT, roles: ['executor'] });
    const redeemed = await call('POST', '/v1/tickets/redeem', {
      token: executor,
      body: { ticket: before.body.ticket, action: chat.action, resource: chat.resource, params: chat.params },
    });
    expect(redeemed.status).toBe(403);
    expect(redeemed.body.error.message).toMatch(/suspended/);

    // Another tenant's agents go on.
    const other = await token({ sub: 'halt-neighbour', roles: ['assistant'] });
    expect((await call('POST', '/v1/decide', { token: other, body: chat })).body.decision).toBe('allow');
  });

  it('resume lifts the halt, but an agent suspended on its own stays suspended', async () => {
    const ops = await operator('ops-resume');
    await call('POST', '/v1/agents/halt-kept/suspend', { token: ops });
    expect((await call('POST', '/v1/tenant/halt', { token: ops })).body.halted).toBe(true);
    const resumed = await call('POST', '/v1/tenant/resume', { token: ops });
    expect(resumed.body).toEqual({ tenant: TENANT, halted: false, halt: null });
    const free = await call('POST', '/v1/decide', { token: await agent('halt-free'), body: chat });
    expect(free.body.decision).toBe('allow');
    const kept = await call('POST', '/v1/decide', { token: await agent('halt-kept'), body: chat });
    expect(kept.body).toMatchObject({ decision: 'deny', code: 'suspended' });
  });

  it('only operators halt, resume or read it', async () => {
    const a = await agent('halt-tries');
    for (const [method, path] of [
      ['POST', '/v1/tenant/halt'],
      ['POST', '/v1/tenant/resume'],
      ['GET', '/v1/tenant'],
    ])
      expect((await call(method, path, { token: a })).status, path).toBe(403);
    expect((await call('POST', '/v1/tenant/halt')).status).toBe(401);
    expect((await call('GET', '/v1/tenant', { token: await operator() })).body.halted).toBe(false);
  });
});
