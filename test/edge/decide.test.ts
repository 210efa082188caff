/**
 * Decisions end to end through the Worker and the agent's Durable Object, with the demo
 * policies: every effect and every code they can produce.
 */
import { describe, expect, it } from 'vitest';
import { call } from './http.js';
import { agentToken, operatorToken } from './tokens.js';

let counter = 0;
/** A fresh agent per test, so Durable Object state never leaks between tests. */
const fresh = (prefix: string) => `${prefix}-${++counter}-${Date.now()}`;

describe('POST /v1/decide', () => {
  it.each([
    [
      'allow',
      'rule',
      ['assistant'],
      { action: 'llm.chat', resource: 'llm:openai', params: { model: 'gpt-4o-mini' }, cost: { usd: 0.01 } },
      'llm-chat',
    ],
    ['deny', 'rule', ['engineer'], { action: 'shell.exec', resource: 'host:1', params: { cmd: 'ls' } }, 'shell-denied'],
    [
      'require_approval',
      'rule',
      ['engineer'],
      { action: 'db.write', resource: 'db:prod/orders', params: { sql: 'update t set x = 1' } },
      'db-write-prod',
    ],
    [
      'deny',
      'no_match',
      ['analyst'],
      { action: 'db.query', resource: 'db:prod/users', params: { sql: 'select 1' } },
      null,
    ],
    ['deny', 'unregistered_action', ['sre'], { action: 'k8s.exec', resource: 'k8s:dev/x' }, null],
    [
      'deny',
      'params',
      ['sre'],
      {
        action: 'k8s.scale',
        resource: 'k8s:dev/x',
        params: { namespace: 'kube-system', deployment: 'd', replicas: 1 },
      },
      null,
    ],
    [
      'deny',
      'dlp',
      ['assistant'],
      { action: 'slack.post', resource: 'slack:acme', params: { channel: '#eng', text: 'key AKIAIOSFODNN7EXAMPLE' } },
      null,
    ],
  ])('%s / %s', async (decision, code, roles, body, rule) => {
    const {
      status,
      body: d,
      headers,
    } = await call('POST', '/v1/decide', { token: await agentToken(fresh('agent'), roles), body });
    expect(status).toBe(200);
    expect(d).toMatchObject({ decision, code, policy: { hash: expect.stringMatching(/^sha256:/) } });
    if (rule) expect(d.reasons.map((r: { rule: string }) => r.rule)).toContain(rule);
    expect(headers.get('x-request-id')).toBeTruthy();
    expect(JSON.stringify(d)).not.toContain('AKIAIOSFODNN7EXAMPLE');
  });

  it('rate_limited, budget_exceeded, risk and suspended, through state the object keeps', async () => {
    const id = fresh('helper');
    const t = await agentToken(id, ['assistant']);
    const post = { action: 'slack.post', resource: 'slack:acme', params: { channel: '#eng', text: 'hi' } };
    for (let i = 0; i < 10; i++)
      expect((await call('POST', '/v1/decide', { token: t, body: post })).body.decision).toBe('allow');
    expect((await call('POST', '/v1/decide', { token: t, body: post })).body.code).toBe('rate_limited');

    const spender = await agentToken(fresh('spender'), ['assistant']);
    const embed = { action: 'llm.embed', resource: 'llm:openai', cost: { usd: 6 } };
    expect((await call('POST', '/v1/decide', { token: spender, body: embed })).body.decision).toBe('allow');
    expect((await call('POST', '/v1/decide', { token: spender, body: embed })).body.code).toBe('budget_exceeded');

    const risky = await agentToken(fresh('risky'), ['finance']);
    const pay = {
      action: 'payments.send',
      resource: 'vendor:x',
      params: { amount_usd: 10, vendor: 'x' },
      cost: { usd: 10 },
    };
    const codes: string[] = [];
    for (let i = 0; i < 7; i++) codes.push((await call('POST', '/v1/decide', { token: risky, body: pay })).body.code);
    // each allowed payment adds risk 10; at 50 the rolling risk escalates to a human
    expect(codes).toEqual(['rule', 'rule', 'rule', 'rule', 'rule', 'risk', 'risk']);

    const victim = fresh('victim');
    const op = await operatorToken();
    expect((await call('POST', `/v1/agents/${victim}/suspend`, { token: op })).body.suspended).toBe(true);
    const suspended = await call('POST', '/v1/decide', { token: await agentToken(victim, ['assistant']), body: post });
    expect(suspended.body).toMatchObject({ decision: 'deny', code: 'suspended' });
  });

  it('decide/batch decides in order and returns one result each', async () => {
    const t = await agentToken(fresh('batch'), ['assistant']);
    const post = { action: 'slack.post', resource: 'slack:acme', params: { channel: '#eng', text: 'hi' } };
    const { status, body } = await call('POST', '/v1/decide/batch', {
      token: t,
      body: { requests: Array.from({ length: 12 }, () => post) },
    });
    expect(status).toBe(200);
    expect(body.results.map((d: { code: string }) => d.code)).toEqual([
      ...Array(10).fill('rule'),
      'rate_limited',
      'rate_limited',
    ]);
    const tooMany = await call('POST', '/v1/decide/batch', {
      token: t,
      body: { requests: Array.from({ length: 101 }, () => post) },
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.message).toMatch(/requests: must be an array of 1 to 100/);
  });
});
