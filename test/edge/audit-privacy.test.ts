/**
 * Secrets in params never leave the agent's request: not in D1, not in R2, not in any
 * export or search, not in the logs — even in a param the registry marks loggable.
 */
import { env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { stubOf } from './agents.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { call } from './http.js';
import { agentToken, operatorToken } from './tokens.js';

const AWS_KEY = 'AKIAIOSFODNN7EXAMPLE';
const PRIVATE_KEY_BODY = 'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun';
const PRIVATE_KEY = `-----BEGIN RSA PRIVATE KEY-----\n${PRIVATE_KEY_BODY}\n-----END RSA PRIVATE KEY-----`;
const SECRETS = [AWS_KEY, PRIVATE_KEY_BODY, 'BEGIN RSA PRIVATE KEY', 'alice@example.com'];

const logged: string[] = [];
const stub = () => stubOf('leaky');

beforeAll(async () => {
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, level).mockImplementation(
      (...args: unknown[]) =>
        void logged.push(
          args
            .map((a) =>
              a instanceof Error ? `${a.message}\n${a.stack}` : typeof a === 'string' ? a : JSON.stringify(a),
            )
            .join(' '),
        ),
    );
  }
  const token = await agentToken('leaky', ['sre', 'assistant', 'analyst']);
  const requests = [
    // In a param that is not loggable: only its hash is kept.
    { action: 'slack.post', resource: 'slack:acme', params: { channel: '#eng', text: `deploy with ${AWS_KEY}` } },
    { action: 'db.query', resource: 'db:dev/users', params: { sql: `select '${PRIVATE_KEY}'` } },
    // In params the registry marks loggable (k8s.scale logs namespace and deployment): DLP found a secret, so none is logged.
    {
      action: 'k8s.scale',
      resource: 'k8s:dev/team-a/api',
      params: { namespace: 'team-a', deployment: `api-${AWS_KEY}`, replicas: 2 },
    },
    // A redact-effect detector in a loggable param: the span is blanked.
    { action: 'slack.post', resource: 'slack:acme', params: { channel: '#x-alice@example.com', text: 'hi' } },
  ];
  for (const body of requests) expect((await call('POST', '/v1/decide', { token, body })).status).toBe(200);
  // One failed flush, so that the error path logs too, then the real flush.
  await runInDurableObject(stub(), (instance) => {
    const o = instance as unknown as { sinks(): { bucket: R2Bucket } };
    const real = o.sinks();
    o.sinks = () => ({
      ...real,
      bucket: {
        ...real.bucket,
        put: async () => Promise.reject(new Error('R2 is unavailable')),
        head: async () => null,
      } as unknown as R2Bucket,
    });
  });
  await runDurableObjectAlarm(stub());
  await runInDurableObject(stub(), (instance) => void delete (instance as unknown as { sinks?: unknown }).sinks);
  while (await runDurableObjectAlarm(stub()));
});

afterAll(() => vi.restoreAllMocks());

const expectClean = (where: string, text: string) => {
  for (const secret of SECRETS) expect(text.includes(secret), `${where} holds ${secret}`).toBe(false);
};

describe('secrets in params', () => {
  it('the records exist, with DLP denials and hashed params', async () => {
    const rows = await env.AUDIT_DB.prepare(
      "SELECT record FROM audit_records WHERE agent = 'leaky' AND kind = 'decision' ORDER BY seq",
    ).all<{ record: string }>();
    const records = rows.results.map((r) => JSON.parse(r.record));
    expect(records.map((r) => r.code)).toEqual(['dlp', 'dlp', 'dlp', 'no_match']);
    expect(records[2].params).toEqual({
      namespace: expect.stringMatching(/^hmac-sha256:/),
      deployment: expect.stringMatching(/^hmac-sha256:/),
      replicas: expect.stringMatching(/^hmac-sha256:/),
    });
    expect(records[3].params).toEqual({ channel: '#[REDACTED:email]', text: expect.stringMatching(/^hmac-sha256:/) });
    expect(logged.some((l) => l.includes('R2 is unavailable'))).toBe(true); // the logs were captured
  });

  it('are not in D1', async () => {
    for (const table of ['audit_records', 'audit_segments']) {
      const rows = await env.AUDIT_DB.prepare(`SELECT * FROM ${table}`).all();
      expectClean(`D1 ${table}`, JSON.stringify(rows.results));
    }
  });

  it('are not in R2', async () => {
    for (const prefix of ['audit/acme/leaky/', 'audit-checkpoints/acme/leaky/']) {
      const listing = await env.AUDIT_BUCKET.list({ prefix });
      expect(listing.objects.length).toBeGreaterThan(0);
      for (const o of listing.objects) {
        const object = (await env.AUDIT_BUCKET.get(o.key))!;
        expectClean(o.key, await object.text());
        expectClean(`${o.key} metadata`, JSON.stringify(object.customMetadata));
      }
    }
  });

  it('are not in exports or search results', async () => {
    const token = await operatorToken();
    for (const format of ['ndjson', 'csv', 'ocsf']) {
      const { status, body } = await call('GET', `/v1/audit/export?format=${format}&agent=leaky`, { token });
      expect(status).toBe(200);
      expect((body as string).length).toBeGreaterThan(0);
      expectClean(`${format} export`, body as string);
    }
    expectClean('search', JSON.stringify((await call('GET', '/v1/audit?agent=leaky', { token })).body));
  });

  it('are not in the logs', () => {
    expectClean('logs', logged.join('\n'));
  });
});
