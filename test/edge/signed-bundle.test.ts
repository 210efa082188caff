/**
 * The edge serves its bundle signed, and the embed engine loads it: verified against the
 * published JWKS, and never rolled back.
 */
import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { verifySignedBundle } from '../../src/tokens/signed-bundle.js';
import { call } from './http.js';
import { agentToken } from './tokens.js';

describe('GET /v1/policy/bundle', () => {
  it('serves the active bundle, signed, verifiable with /.well-known/jwks.json alone', async () => {
    const jwks = (await call('GET', '/.well-known/jwks.json')).body;
    expect(jwks.keys.map((k: { kid: string }) => k.kid)).toEqual(['bundle-key-1', 'ticket-key-1', 'audit-key-1']);
    expect(jwks.keys.every((k: { d?: string }) => k.d === undefined)).toBe(true);
    const token = await agentToken('embedder');
    const { status, body } = await call('GET', '/v1/policy/bundle', { token });
    expect(status).toBe(200);
    const verified = await verifySignedBundle(body, jwks);
    expect(verified.hash).toBe((await call('GET', '/v1/policy', { token })).body.hash);
    expect(verified.version).toBeGreaterThan(1_700_000_000);
  });

  it('needs a token', async () => {
    expect((await call('GET', '/v1/policy/bundle')).status).toBe(401);
  });
});

describe('an embedded engine in workerd loading from the edge', () => {
  it('decides exactly as the edge does with the bundle it loads', async () => {
    const { createEngine } = await import('../../src/embed/engine.js');
    const { POLICY_WASM } = await import('../../src/worker/policy-source.js');
    const { compilePolicies } = await import('../../src/policy/compile.js');
    const engine = await createEngine({
      bundle: compilePolicies({ 'p.yaml': 'rules:\n  - id: none\n    effect: deny\n' }),
      wasm: POLICY_WASM,
    });
    const jwks = (await call('GET', '/.well-known/jwks.json')).body;
    const token = await agentToken('embedder');
    const loaded = await engine.loadBundle('https://tollgate.test/v1/policy/bundle', {
      jwks,
      headers: { authorization: `Bearer ${token}` },
      fetch: (input, init) => SELF.fetch(input as string, init),
    });
    expect(engine.hash).toBe(loaded.hash);
    const request = { action: 'slack.post', resource: 'slack:acme', params: { channel: '#eng', text: 'hi' } };
    const { id: localId, ...local } = engine.decide({
      ...request,
      agent: { id: 'p-1', tenant: 'acme', roles: ['assistant'] },
    });
    const {
      ticket,
      audit,
      id: edgeId,
      ...edge
    } = (await call('POST', '/v1/decide', { token: await agentToken('p-1', ['assistant']), body: request })).body;
    expect(local).toEqual(edge);
    expect([localId, edgeId]).toEqual([expect.stringMatching(/^dec_/), expect.stringMatching(/^dec_/)]); // each names its own decision
    expect(ticket).toEqual(expect.any(String)); // the edge adds the executor's ticket
    expect(audit).toEqual({ seq: 1, hash: expect.stringMatching(/^[0-9a-f]{64}$/) }); // and its audit record
  });
});
