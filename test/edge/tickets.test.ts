/**
 * Execution tickets: every allow carries one; an executor redeems it once, for exactly the
 * action, resource and params it was issued for.
 */
import { env } from 'cloudflare:test';
import { stubOf } from './agents.js';
import { base64url, importJWK, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { issueTicket, TICKET_AUDIENCE, paramsHash } from '../../src/tokens/ticket.js';
import { call } from './http.js';
import { agentToken, operatorToken } from './tokens.js';

let counter = 0;
const fresh = (prefix: string) => `${prefix}-${++counter}-${Date.now()}`;
const post = { action: 'slack.post', resource: 'slack:acme', params: { channel: '#eng', text: 'deploy done' } };

async function allowWithTicket(
  id = fresh('agent'),
  extra: object = {},
): Promise<{ ticket: string; id: string; body: Record<string, unknown> }> {
  const res = await call('POST', '/v1/decide', {
    token: await agentToken(id, ['assistant']),
    body: { ...post, ...extra },
  });
  expect(res.body.decision).toBe('allow');
  return { ticket: res.body.ticket, id, body: res.body };
}

const executor = () => agentToken('runner-1', ['executor']);
const redeem = async (ticket: string, patch: object = {}) =>
  call('POST', '/v1/tickets/redeem', { token: await executor(), body: { ticket, ...post, ...patch } });

describe('tickets', () => {
  it("a suspended agent's ticket is refused, left unburned, and redeems once the agent is resumed", async () => {
    const { ticket, id } = await allowWithTicket();
    await call('POST', `/v1/agents/${id}/suspend`, { token: await operatorToken() });
    const refused = await redeem(ticket);
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toMatch(/suspended/);
    await call('POST', `/v1/agents/${id}/resume`, { token: await operatorToken() });
    expect((await redeem(ticket)).status).toBe(200);
    expect((await redeem(ticket)).status).toBe(409);
  });

  it('an allow carries a ticket that verifies with WebCrypto and the published JWKS alone', async () => {
    const { ticket, id, body } = await allowWithTicket();
    const jwks = (await call('GET', '/.well-known/jwks.json')).body;
    const [h, p, s] = ticket.split('.');
    const header = JSON.parse(new TextDecoder().decode(base64url.decode(h)));
    expect(header).toMatchObject({ alg: 'EdDSA', typ: 'tollgate-ticket+jwt' });
    const jwk = jwks.keys.find((k: { kid: string }) => k.kid === header.kid);
    // No jose below this line: only WebCrypto.
    const key = await crypto.subtle.importKey(
      'jwk',
      { kty: jwk.kty, crv: jwk.crv, x: jwk.x },
      { name: 'Ed25519' },
      false,
      ['verify'],
    );
    const signature = Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
    expect(await crypto.subtle.verify({ name: 'Ed25519' }, key, signature, new TextEncoder().encode(`${h}.${p}`))).toBe(
      true,
    );
    const claims = JSON.parse(atob(p.replace(/-/g, '+').replace(/_/g, '/')));
    expect(claims).toMatchObject({
      sub: id,
      tenant: 'acme',
      action: post.action,
      resource: post.resource,
      params_hash: paramsHash(post.params),
      policy_hash: (body.policy as { hash: string }).hash,
      aud: TICKET_AUDIENCE,
      iss: env.TICKET_ISSUER,
    });
    expect(claims.exp - claims.iat).toBe(90); // policies/fleet.yaml: tickets: { ttl: 90s }
    expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('redeems once: 200, then 409 ticket_replay', async () => {
    const { ticket } = await allowWithTicket();
    expect((await redeem(ticket)).status).toBe(200);
    const replay = await redeem(ticket);
    expect(replay.status).toBe(409);
    expect(replay.body.error.code).toBe('ticket_replay');
  });

  it('params are compared canonically: key order does not matter', async () => {
    const { ticket } = await allowWithTicket();
    expect((await redeem(ticket, { params: { text: 'deploy done', channel: '#eng' } })).status).toBe(200);
  });

  it('1,000 concurrent redemptions of one ticket: exactly one succeeds', async () => {
    const { ticket } = await allowWithTicket();
    const claims = JSON.parse(atob(ticket.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    const stub = stubOf(claims.sub);
    const burns = await Promise.all(Array.from({ length: 1000 }, () => stub.burnTicket(claims, 'executor-1')));
    expect(burns.filter((b) => b === 'redeemed')).toHaveLength(1);
    expect(burns.filter((b) => b === 'replay')).toHaveLength(999);
    // And over HTTP, for another ticket (the harness's fetch is slow with many in flight).
    const second = await allowWithTicket();
    const results = await Promise.all(Array.from({ length: 30 }, () => redeem(second.ticket)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(29);
  });

  it.each([
    ['action', { action: 'slack.delete' }],
    ['resource', { resource: 'slack:other' }],
    ['params', { params: { channel: '#eng', text: 'rm -rf /' } }],
  ])('a changed %s is 403 ticket_mismatch, and the ticket stays usable', async (field, patch) => {
    const { ticket } = await allowWithTicket();
    const res = await redeem(ticket, patch);
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({
      code: 'ticket_mismatch',
      message: `the ticket does not match the ${field} about to run`,
    });
    expect((await redeem(ticket)).status).toBe(200);
  });

  it('tampered, expired, wrong-typ and wrong-audience tickets are refused with 401', async () => {
    const { ticket, id } = await allowWithTicket();
    const [h, p, s] = ticket.split('.');
    const claims = JSON.parse(atob(p.replace(/-/g, '+').replace(/_/g, '/')));
    const tampered = `${h}.${base64url.encode(JSON.stringify({ ...claims, resource: 'slack:other' }))}.${s}`;
    const key = JSON.parse(env.TICKET_SIGNING_JWK);
    const subject = {
      agent: id,
      tenant: 'acme',
      action: post.action,
      resource: post.resource,
      paramsHash: paramsHash(post.params),
      policyHash: claims.policy_hash,
      decision: claims.decision,
    };
    const expired = await issueTicket(subject, key, env.TICKET_ISSUER, Math.floor(Date.now() / 1000) - 120);
    const signer = await importJWK(key, 'EdDSA');
    const base = { ...claims, jti: crypto.randomUUID() };
    const wrongTyp = await new SignJWT(base)
      .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: 'JWT' })
      .sign(signer);
    const wrongAud = await new SignJWT({ ...base, aud: 'someone-else' })
      .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: 'tollgate-ticket+jwt' })
      .sign(signer);
    for (const [name, bad, reason] of [
      ['tampered', tampered, /signature/],
      ['expired', expired, /exp/],
      ['wrong typ', wrongTyp, /typ/],
      ['wrong audience', wrongAud, /aud/],
    ] as const) {
      const res = await redeem(bad);
      expect(res.status, name).toBe(401);
      expect(res.body.error.code, name).toBe('ticket_invalid');
      expect(res.body.error.message, name).toMatch(reason);
    }
  });

  it('only executor tokens redeem', async () => {
    const { ticket } = await allowWithTicket();
    const res = await call('POST', '/v1/tickets/redeem', {
      token: await agentToken('x', ['assistant']),
      body: { ticket, ...post },
    });
    expect(res.status).toBe(403);
  });

  it('retries with one idempotency key get the same ticket', async () => {
    const id = fresh('retry');
    const token = await agentToken(id, ['assistant']);
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        call('POST', '/v1/decide', { token, body: { ...post, idempotency_key: 'k-1' } }),
      ),
    );
    expect(new Set(results.map((r) => r.body.ticket)).size).toBe(1);
    expect(results[0].body.ticket).toEqual(expect.any(String));
  });
});
