/**
 * Failing closed: whatever breaks behind the Worker, nobody is allowed, and the caller gets
 * a 503 with Retry-After (or a deny) in the one error shape.
 */
import { env, runInDurableObject } from 'cloudflare:test';
import { stubOf } from './agents.js';
import { describe, expect, it } from 'vitest';
import { call } from './http.js';
import { agentToken } from './tokens.js';

const body = { action: 'github.get_issue', resource: 'github:acme/api' };
const stubFor = (id: string) => stubOf(id);

async function expect503(id: string): Promise<void> {
  const res = await call('POST', '/v1/decide', { token: await agentToken(id), body });
  expect(res.status).toBe(503);
  expect(res.headers.get('retry-after')).toBe('1');
  expect(res.body).toMatchObject({ error: { code: 'unavailable', retryable: true }, request_id: expect.any(String) });
}

describe('failing closed', () => {
  it('an object whose policy failed to load answers nothing: 503 with Retry-After', async () => {
    const id = `no-bundle-${Date.now()}`;
    expect((await call('POST', '/v1/decide', { token: await agentToken(id), body })).body.decision).toBe('allow');
    await runInDurableObject(stubFor(id), (instance) => {
      (instance as unknown as { engine: null }).engine = null; // as if the bundle had not loaded
    });
    await expect503(id);
  });

  it('an unreachable or overloaded object: 503 with Retry-After, never an allow', async () => {
    const id = `overloaded-${Date.now()}`;
    await runInDurableObject(stubFor(id), (instance) => {
      (instance as unknown as { engine: object }).engine = {
        decide() {
          throw new Error('Durable Object is overloaded');
        },
      };
    });
    await expect503(id);
  });

  it('an evaluator trap denies, and keeps denying', async () => {
    const id = `trap-${Date.now()}`;
    await runInDurableObject(stubFor(id), (instance) => {
      const evaluator = (instance as unknown as { engine: { bundle: { exports: object } } }).engine.bundle;
      evaluator.exports = {
        ...evaluator.exports,
        decide() {
          throw new WebAssembly.RuntimeError('unreachable');
        },
      };
    });
    const token = await agentToken(id);
    for (let i = 0; i < 3; i++) {
      const res = await call('POST', '/v1/decide', { token, body });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ decision: 'deny', code: 'evaluator_error' });
    }
  });

  it('a server without a valid JWKS refuses with 503', async () => {
    const { default: worker } = await import('../../src/worker/index.js');
    const res = await worker.fetch(
      new Request('https://t/v1/decide', { method: 'POST', headers: { authorization: 'Bearer x.y.z' }, body: '{}' }),
      { ...env, AUTH_JWKS: 'not json' },
    );
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('30');
  });

  it('a server without AUTH_ISSUER refuses even a valid token, with 503 (jose would accept any issuer)', async () => {
    const { default: worker } = await import('../../src/worker/index.js');
    const request = async () =>
      new Request('https://t/v1/decide', {
        method: 'POST',
        headers: { authorization: `Bearer ${await agentToken('no-issuer')}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await worker.fetch(await request(), env)).status).toBe(200);
    const res = await worker.fetch(await request(), { ...env, AUTH_ISSUER: '' });
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({
      error: { code: 'unavailable', message: expect.stringMatching(/AUTH_ISSUER/) },
    });
  });
});
