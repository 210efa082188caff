/**
 * Tickets: a redeemed ticket never redeems again, whatever the clock says around its expiry.
 */
import { env, runInDurableObject } from 'cloudflare:test';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { paramsHash, issueTicket } from '../../../src/tokens/ticket.js';
import { BURN_RETENTION_MS, BurnedTickets } from '../../../src/worker/tickets/burned.js';
import { stubOf } from '../agents.js';
import { call } from '../http.js';
import { agentToken } from '../tokens.js';

const post = { action: 'slack.post', resource: 'slack:acme', params: { channel: '#eng', text: 'hi' } };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('tickets', () => {
  it('property: once burned, a ticket never redeems again, at any later time around or long past its expiry', async () => {
    let run = 0;
    await runInDurableObject(stubOf('burn-property'), async (_, ctx) => {
      fc.assert(
        fc.property(
          fc.integer({ min: -120_000, max: -1 }), // the first redemption, before exp
          fc.array(fc.integer({ min: 0, max: 3 * BURN_RETENTION_MS }), { minLength: 1, maxLength: 30 }), // later tries, ms after it
          (firstAt, laterSteps) => {
            const exp = 1_900_000_000;
            let now = exp * 1000 + firstAt;
            const burned = new BurnedTickets(ctx.storage.sql, () => now);
            const ticket = { jti: `jti-${run++}`, exp, decision: `dec_${'a'.repeat(32)}` };
            expect(burned.burn(ticket, 'runner-1')).toBe('redeemed');
            // The agent's clock only moves forward; tries come at any steps, around exp and far past it.
            for (const step of laterSteps.sort((a, b) => a - b)) {
              now = exp * 1000 + firstAt + step;
              expect(burned.burn(ticket, 'runner-1')).not.toBe('redeemed');
            }
          },
        ),
        { numRuns: 500 },
      );
    });
  });

  it('the HTTP race: redeemed once, then a try every millisecond from exp−60 ms to exp+120 ms, and no other 200', async () => {
    const decided = (
      await call('POST', '/v1/decide', { token: await agentToken('race-agent', ['assistant']), body: post })
    ).body;
    const claims = JSON.parse(atob(decided.ticket.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    // A ticket for the same decision that expires within two seconds (the clock is controlled by choosing its exp).
    const nowSeconds = Math.floor(Date.now() / 1000);
    const subject = {
      agent: 'race-agent',
      tenant: 'acme',
      action: post.action,
      resource: post.resource,
      paramsHash: paramsHash(post.params),
      policyHash: claims.policy_hash,
      decision: claims.decision,
    };
    const ticket = await issueTicket(
      subject,
      JSON.parse(env.TICKET_SIGNING_JWK),
      env.TICKET_ISSUER,
      nowSeconds - 58,
      60,
    );
    const expMs = (nowSeconds + 2) * 1000;
    const executor = await agentToken('race-runner', ['executor']);
    const redeem = () =>
      call('POST', '/v1/tickets/redeem', { token: executor, body: { ticket, ...post } }).then((r) => r.status);
    expect(await redeem()).toBe(200);
    while (Date.now() < expMs - 60) await sleep(5);
    // One try per millisecond mark (timers here are coarser than a millisecond, so late marks are caught up at once).
    const tries: Promise<number>[] = [];
    for (let mark = expMs - 60; mark <= expMs + 120;) {
      if (Date.now() < mark) await sleep(1);
      else (tries.push(redeem()), mark++);
    }
    const statuses = await Promise.all(tries);
    expect(statuses).toHaveLength(181);
    expect(statuses.filter((s) => s === 200)).toHaveLength(0);
    expect(new Set(statuses)).toEqual(new Set(statuses.filter((s) => s === 409 || s === 401)));
  });
});
