/**
 * Shadow flips, inside workerd: for each shadowed rule, how many of the tenant's decisions it
 * would have flipped, counted from the audit index, match what audit search returns.
 */
import { runDurableObjectAlarm } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { stubOf, tailOf } from './agents.js';
import { call } from './http.js';
import { token } from './tokens.js';

const TENANT = 'flips-co';

describe('shadow flips', () => {
  it("each shadowed rule's flips match the audit, and another tenant's decisions are not counted", async () => {
    const payer = await token({ sub: 'flip-payer', tenant: TENANT, roles: ['finance'] });
    const ops = await token({ sub: 'ops-flips', tenant: TENANT, role: 'operator', typ: 'tollgate-operator+jwt' });
    // payments-cap-trial (shadow) would deny above $200: 250 and 300 flip require_approval to deny, 50 and 150 do not.
    for (const amount of [50, 250, 150, 300]) {
      const d = await call('POST', '/v1/decide', {
        token: payer,
        body: {
          action: 'payments.send',
          resource: 'vendor:acme-cloud',
          params: { amount_usd: amount, vendor: 'acme-cloud' },
        },
      });
      expect(d.status).toBe(200);
      if (amount > 200)
        expect(d.body.shadow).toEqual({ decision: 'deny', code: 'rule', rules: ['payments-cap-trial'] });
      else expect(d.body.shadow).toBeUndefined();
    }
    // Another tenant's flip is its own.
    const stranger = await token({ sub: 'flip-payer', roles: ['finance'] });
    await call('POST', '/v1/decide', {
      token: stranger,
      body: {
        action: 'payments.send',
        resource: 'vendor:acme-cloud',
        params: { amount_usd: 900, vendor: 'acme-cloud' },
      },
    });
    // Pending approvals keep an alarm set for their expiry: run alarms until the audit is flushed.
    for (let i = 0; (await tailOf('flip-payer', TENANT)).pending.length > 0; i++) {
      if (i > 20) throw new Error('the audit flush is still failing');
      await runDurableObjectAlarm(stubOf('flip-payer', TENANT));
    }

    const flips = await call('GET', '/v1/policy/shadow', { token: ops });
    expect(flips.status).toBe(200);
    const rule = flips.body.rules.find((r: { id: string }) => r.id === 'payments-cap-trial');

    const searched = await call('GET', '/v1/audit?kind=decision&limit=500', { token: ops });
    const flipped = searched.body.records
      .map((entry: any) => entry.record)
      .filter((r: any) => r.shadow?.rules?.includes('payments-cap-trial') && r.shadow.decision !== r.decision);
    expect(flipped.length).toBe(2);
    expect(rule.flips).toEqual({ hour: flipped.length, day: flipped.length });
    // Agents can't read it.
    expect((await call('GET', '/v1/policy/shadow', { token: payer })).status).toBe(403);
  });
});
