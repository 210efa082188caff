import { describe, expect, it } from 'vitest';
import { compilePolicies } from '../policy/compile.js';
import { decodeBundle } from '../policy/bundle/decode.js';
import { sha256Hex } from '../lib/sha256.js';
import { canonicalJson } from '../lib/json.js';
import { tenantDigestKey, ValueDigester } from './digest.js';
import { auditParams, decisionFields } from './record.js';

const digester = new ValueDigester(tenantDigestKey('test-secret', 'acme'));
const digest = (v: Parameters<ValueDigester['digest']>[0]) => digester.digest(v);
const keep = (loggable: string[], declared: string[] = loggable) => ({
  loggable: new Set(loggable),
  declared: new Set([...declared, ...loggable]),
});

describe('keyed digests', () => {
  it("a value's digest is keyed by tenant and is never its bare SHA-256", () => {
    const ssn = '078-05-1120';
    const other = new ValueDigester(tenantDigestKey('test-secret', 'globex'));
    expect(digest(ssn)).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    expect(digest(ssn)).not.toBe(other.digest(ssn));
    expect(digest(ssn)).not.toContain(sha256Hex(new TextEncoder().encode(canonicalJson(ssn))));
  });
});

describe('auditParams', () => {
  it('keeps loggable params as they are and every other param as its keyed digest', () => {
    const params = { namespace: 'team-a', spec: { b: 1, a: [true, null] } };
    const out = auditParams(params, [], keep(['namespace'], ['spec']), false, digester);
    expect(out).toEqual({ namespace: 'team-a', spec: digest({ a: [true, null], b: 1 }) });
  });

  it("digests param names the action's schema does not declare", () => {
    const out = auditParams({ AKIAIOSFODNN7EXAMPLE: 1, declared: 2 }, [], keep([], ['declared']), false, digester);
    expect(Object.keys(out).sort()).toEqual([digest('AKIAIOSFODNN7EXAMPLE'), 'declared'].sort());
    expect(JSON.stringify(out)).not.toContain('AKIAIOSFODNN7EXAMPLE');
  });

  it('records __proto__, constructor and prototype like any other param', () => {
    const params = JSON.parse('{"__proto__": "p", "constructor": "c", "prototype": "q"}');
    const out = auditParams(params, [], keep(['__proto__', 'constructor', 'prototype']), false, digester);
    expect(Object.keys(out).sort()).toEqual(['__proto__', 'constructor', 'prototype']);
    expect(canonicalJson(out)).toBe('{"__proto__":"p","constructor":"c","prototype":"q"}');
  });

  it('blanks every DLP redact span, nested and several in one string, before anything else', () => {
    const params = { to: 'a@x.io and b@y.io', nested: { list: ['hi c@z.io'] } };
    const redactions = [
      { path: 'params.to', start: 0, end: 6, detector: 'email' as const },
      { path: 'params.to', start: 11, end: 17, detector: 'email' as const },
      { path: 'params.nested.list[0]', start: 3, end: 9, detector: 'email' as const },
    ];
    const out = auditParams(params, redactions, keep(['to', 'nested']), false, digester);
    expect(out).toEqual({ to: '[REDACTED:email] and [REDACTED:email]', nested: { list: ['hi [REDACTED:email]'] } });
    // The digest of a non-loggable param is that of its redacted value: the secret never enters it.
    expect(auditParams(params, redactions, keep([], ['to', 'nested']), false, digester).to).toBe(
      digest('[REDACTED:email] and [REDACTED:email]'),
    );
  });

  it('logs nothing as it is once DLP found a secret, loggable or not', () => {
    const out = auditParams({ deployment: 'api-AKIAIOSFODNN7EXAMPLE' }, [], keep(['deployment']), true, digester);
    expect(out.deployment).toBe(digest('api-AKIAIOSFODNN7EXAMPLE'));
  });
});

describe('decisionFields', () => {
  it('digests an action or resource name in which DLP finds a secret', () => {
    const info = decodeBundle(compilePolicies({ 'p.yaml': 'rules: []\n' }).bytes);
    const decision = {
      id: 'dec_1',
      decision: 'deny' as const,
      code: 'no_match' as const,
      reasons: [],
      errors: [],
      redactions: [],
      policy: { hash: 'sha256:x' },
    };
    const fields = decisionFields({
      request: { action: 'run.AKIAIOSFODNN7EXAMPLE', resource: 'db:prod/users', params: {} },
      decision,
      info,
      requestId: null,
      approvalId: null,
      digester,
    });
    expect(fields.action).toBe(digest('run.AKIAIOSFODNN7EXAMPLE'));
    expect(fields.resource).toBe('db:prod/users');
    const leaky = decisionFields({
      request: { action: 'db.query', resource: 'db:postgres://u:secret@host/db', params: {} },
      decision,
      info,
      requestId: null,
      approvalId: null,
      digester,
    });
    expect(leaky.resource).toBe(digest('db:postgres://u:secret@host/db'));
  });
});
