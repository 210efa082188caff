/**
 * JWT attacks against the edge: each is refused with 401 and the one error shape.
 */
import { env } from 'cloudflare:test';
import { base64url, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { call } from './http.js';
import { agentToken, operatorToken, token } from './tokens.js';

const body = { action: 'github.get_issue', resource: 'github:acme/api' };
const enc = (v: unknown) => base64url.encode(JSON.stringify(v));
const kid = () => JSON.parse(env.TEST_SIGNING_JWK).kid as string;
const claims = () => ({
  sub: 'a1',
  tenant: 'acme',
  iss: env.AUTH_ISSUER,
  aud: env.AUTH_AUDIENCE,
  exp: Math.floor(Date.now() / 1000) + 600,
});

async function expect401(t: string, message?: RegExp): Promise<void> {
  const res = await call('POST', '/v1/decide', { token: t, body });
  expect(res.status).toBe(401);
  expect(res.body).toMatchObject({ error: { code: 'unauthorized', retryable: false }, request_id: expect.any(String) });
  if (message) expect(res.body.error.message).toMatch(message);
}

describe('agent tokens', () => {
  it('a valid token is accepted', async () => {
    expect((await call('POST', '/v1/decide', { token: await agentToken('a1'), body })).status).toBe(200);
  });

  it.each(['none', 'None', 'noNE'])('alg %s is refused', async (alg) => {
    await expect401(`${enc({ alg, typ: 'tollgate-agent+jwt', kid: kid() })}.${enc(claims())}.`);
  });

  it('HS256 signed with the public key is refused', async () => {
    const publicJwk = JSON.parse(env.AUTH_JWKS).keys[0];
    const secret = new TextEncoder().encode(JSON.stringify(publicJwk));
    const forged = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'HS256', typ: 'tollgate-agent+jwt', kid: kid() })
      .sign(secret);
    await expect401(forged);
    const withX = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'HS256', typ: 'tollgate-agent+jwt', kid: kid() })
      .sign(base64url.decode(publicJwk.x));
    await expect401(withX);
  });

  it('missing exp, or expired beyond the skew, is refused', async () => {
    const jwk = JSON.parse(env.TEST_SIGNING_JWK);
    const { importJWK } = await import('jose');
    const key = await importJWK(jwk, 'EdDSA');
    const noExp = await new SignJWT({ sub: 'a1' })
      .setProtectedHeader({ alg: 'EdDSA', kid: kid(), typ: 'tollgate-agent+jwt' })
      .setIssuer(env.AUTH_ISSUER)
      .setAudience(env.AUTH_AUDIENCE)
      .sign(key);
    await expect401(noExp, /exp/);
    await expect401(await token({ sub: 'a1', exp: Math.floor(Date.now() / 1000) - 120 }), /exp/);
  });

  it.each([
    ['a wrong aud', { aud: 'someone-else' }, {}],
    ['a wrong iss', { iss: 'evil' }, {}],
    ['a wrong typ', { typ: 'JWT' }, {}],
    ['an unknown kid', {}, { kid: 'other-key' }],
    ['a kid with path characters', {}, { kid: '../../etc/passwd' }],
    ['a kid with SQL', {}, { kid: "x' OR '1'='1" }],
  ])('%s is refused', async (_name, payload, header) => {
    await expect401(await token({ sub: 'a1', ...payload }, header));
  });

  it('a token over 8 KiB is refused', async () => {
    await expect401(await token({ sub: 'a1', padding: 'x'.repeat(9000) }), /larger than 8192/);
  });

  it.each([
    ['jwk', { jwk: JSON.parse('{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}') }],
    ['jku', { jku: 'https://evil.example/jwks.json' }],
  ])('a key in a %s header is refused', async (field, header) => {
    await expect401(await token({ sub: 'a1' }, header), new RegExp(`'${field}' is not accepted`));
  });

  it('a tampered payload is refused', async () => {
    const [h, , s] = (await agentToken('a1')).split('.');
    await expect401(`${h}.${enc({ ...claims(), sub: 'admin' })}.${s}`);
  });

  it('no token, or not a bearer token, is refused', async () => {
    expect((await call('POST', '/v1/decide', { body })).status).toBe(401);
    expect((await call('POST', '/v1/decide', { body, headers: { authorization: 'Basic abc' } })).status).toBe(401);
  });
});

describe('operator routes', () => {
  it('agents can never reach them', async () => {
    const res = await call('POST', '/v1/agents/a2/suspend', { token: await agentToken('a1', ['admin']) });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('forbidden');
  });

  it('operator tokens must carry an operator or admin role', async () => {
    expect(
      (
        await call('POST', '/v1/agents/a2/suspend', {
          token: await token({ sub: 'o', role: 'viewer', typ: 'tollgate-operator+jwt' }),
        })
      ).status,
    ).toBe(401);
    expect((await call('POST', '/v1/agents/a2/resume', { token: await operatorToken('o', 'admin') })).status).toBe(200);
  });

  it('an agent can read only its own state', async () => {
    expect((await call('GET', '/v1/agents/a1', { token: await agentToken('a1') })).status).toBe(200);
    expect((await call('GET', '/v1/agents/a2', { token: await agentToken('a1') })).status).toBe(403);
  });
});
