/**
 * Bad input gets 400 or 413 naming the field, nothing is consumed, and every error has the
 * one shape; unknown routes say where the routes are listed.
 */
import { describe, expect, it } from 'vitest';
import { SELF } from 'cloudflare:test';
import { BASE, call } from './http.js';
import { agentToken, operatorToken } from './tokens.js';
import { openApiDocument } from '../../src/worker/openapi.js';
import { createApp } from '../../src/worker/app.js';

let counter = 0;
const fresh = (prefix: string) => `${prefix}-${++counter}-${Date.now()}`;
const post = { action: 'slack.post', resource: 'slack:acme', params: { channel: '#eng', text: 'hi' } };

describe('bad input', () => {
  it.each([
    ['malformed JSON', { raw: '{"action": ' }, 400, 'invalid_json', /not valid json/],
    [
      'a wrong type',
      { body: { ...post, resource: 5 } },
      400,
      'invalid_request',
      /^resource: must be a string, not a number$/,
    ],
    ['an unknown field', { body: { ...post, actor: 'x' } }, 400, 'invalid_request', /^actor: is not a known field/],
    [
      'an agent in the body',
      { body: { ...post, agent: { id: 'root' } } },
      400,
      'invalid_request',
      /body\.agent: is not a known field/,
    ],
    [
      'facts in the body',
      { body: { ...post, facts: { trust: 100 } } },
      400,
      'invalid_request',
      /body\.facts: is not a known field/,
    ],
    ['a non-object body', { body: [1, 2] }, 400, 'invalid_request', /body: must be a json object/],
    [
      'a lone surrogate',
      { raw: '{"action":"slack.post","resource":"\\ud800"}' },
      400,
      'invalid_request',
      /resource: has a lone surrogate/,
    ],
    ['bytes that are not UTF-8', { raw: new Uint8Array([0x7b, 0xff, 0x7d]) }, 400, 'invalid_json', /not valid utf-8/],
    ['a 1 MiB body', { raw: `{"action":"${'x'.repeat(1024 * 1024)}"}` }, 413, 'body_too_large', /limit is 65536/],
  ])('%s', async (_name, opts, status, code, message) => {
    const id = fresh('bad');
    const t = await agentToken(id, ['assistant']);
    const res = await call('POST', '/v1/decide', { token: t, ...(opts as object) });
    expect(res.status).toBe(status);
    expect(res.body).toMatchObject({ error: { code, retryable: false }, request_id: expect.any(String) });
    expect(res.body.error.message).toMatch(message);
    const state = await call('GET', `/v1/agents/${id}`, { token: t });
    expect(state.body.rates.find((r: { rule: string }) => r.rule === 'slack-post').used).toBe(0);
  });

  it('outcomes check their fields', async () => {
    const t = await operatorToken();
    const report = { agent: fresh('o'), decision: `dec_${'0'.repeat(32)}` };
    expect(
      (await call('POST', '/v1/outcomes', { token: t, body: { ...report, outcome: 'great' } })).body.error.message,
    ).toMatch(/outcome: must be one of/);
    expect(
      (await call('POST', '/v1/outcomes', { token: t, body: { ...report, outcome: 'success', cost: { usd: -1 } } }))
        .body.error.message,
    ).toMatch(/cost\.usd/);
    expect(
      (await call('POST', '/v1/outcomes', { token: t, body: { ...report, decision: 'latest', outcome: 'success' } }))
        .body.error.message,
    ).toMatch(/^decision: must be the id/);
    expect(
      (await call('POST', '/v1/outcomes', { token: t, body: { decision: report.decision, outcome: 'success' } })).body
        .error.message,
    ).toMatch(/^agent: must be the id/);
  });

  it('a chunked body past 64 KiB gets 413 without the rest being read', async () => {
    const chunk = new Uint8Array(64 * 1024).fill(0x20);
    let pulled = 0;
    const total = 128; // 8 MiB in 64 KiB chunks, sent with no Content-Length
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled++ < total) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const res = await SELF.fetch(`${BASE}/v1/decide`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await agentToken('big-body')}`, 'content-type': 'application/json' },
      body,
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('body_too_large');
    expect(pulled).toBeLessThan(total / 2);
  });

  it('params nested 30,000 deep get 400 on every route, never 500', async () => {
    const deep = `${'['.repeat(30_000)}${']'.repeat(30_000)}`;
    const executor = await agentToken('deep-runner', ['executor']);
    const redeem = await call('POST', '/v1/tickets/redeem', {
      token: executor,
      raw: `{"ticket":"x.y.z","action":"a","resource":"r","params":{"p":${deep}}}`,
    });
    expect(redeem.status).toBe(400);
    expect(redeem.body.error.message).toMatch(/^params: value is nested deeper than 64/);
    const decide = await call('POST', '/v1/decide', {
      token: await agentToken('deep-agent'),
      raw: `{"action":"a","resource":"r","params":{"p":${deep}}}`,
    });
    expect(decide.status).toBe(400);
  });

  it('unknown routes get a helpful 404 in the one shape', async () => {
    const res = await call('GET', '/v1/nope');
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({
      code: 'not_found',
      message: 'no route GET /v1/nope; the routes are listed at /openapi.json',
    });
  });
});

describe('GET /openapi.json', () => {
  it('lists exactly the routes the app serves', async () => {
    const doc = (await call('GET', '/openapi.json')).body;
    expect(doc.openapi).toBe('3.1.0');
    expect(doc).toEqual(openApiDocument());
    const paths = Object.keys(doc.paths).sort();
    // Every route the app registers (but the benchmark's echo, and the console's pages, which
    // are not the API) is documented, with its method.
    const served = createApp().routes.filter(
      (r) => r.method !== 'ALL' && r.path !== '/v1/echo' && !r.path.startsWith('/console'),
    );
    expect([...new Set(served.map((r) => r.path.replace(/:(\w+)/g, '{$1}')))].sort()).toEqual(paths);
    for (const r of served)
      expect(
        doc.paths[r.path.replace(/:(\w+)/g, '{$1}')][r.method.toLowerCase()],
        `${r.method} ${r.path}`,
      ).toBeDefined();
    for (const path of paths) {
      for (const method of Object.keys(doc.paths[path])) {
        const res = await call(method.toUpperCase(), path.replace('{id}', 'a1'));
        expect(res.status, `${method} ${path}`).not.toBe(404);
      }
    }
  });

  it('GET /v1/policy lists the bundle hash and its rules', async () => {
    const res = await call('GET', '/v1/policy', { token: await agentToken('a1') });
    expect(res.body.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(res.body.rules.map((r: { id: string }) => r.id)).toContain('shell-denied');
  });
});
