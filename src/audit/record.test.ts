import { describe, expect, it } from 'vitest';
import { auditParams, valueDigest } from './record.js';

describe('auditParams', () => {
  it('keeps loggable params as they are and every other param as a SHA-256 of its canonical JSON', () => {
    const params = { namespace: 'team-a', spec: { b: 1, a: [true, null] } };
    const out = auditParams(params, [], new Set(['namespace']), false);
    expect(out).toEqual({ namespace: 'team-a', spec: valueDigest({ a: [true, null], b: 1 }) });
    expect(out.spec).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('blanks every DLP redact span, nested and several in one string, before anything else', () => {
    const params = { to: 'a@x.io and b@y.io', nested: { list: ['hi c@z.io'] } };
    const redactions = [
      { path: 'params.to', start: 0, end: 6, detector: 'email' as const },
      { path: 'params.to', start: 11, end: 17, detector: 'email' as const },
      { path: 'params.nested.list[0]', start: 3, end: 9, detector: 'email' as const },
    ];
    const out = auditParams(params, redactions, new Set(['to', 'nested']), false);
    expect(out).toEqual({ to: '[REDACTED:email] and [REDACTED:email]', nested: { list: ['hi [REDACTED:email]'] } });
    // The hash of a non-loggable param is the hash of its redacted value: the secret never enters it.
    expect(auditParams(params, redactions, new Set(), false).to).toBe(valueDigest('[REDACTED:email] and [REDACTED:email]'));
  });

  it('logs nothing as it is once DLP found a secret, loggable or not', () => {
    const out = auditParams({ deployment: 'api-AKIAIOSFODNN7EXAMPLE' }, [], new Set(['deployment']), true);
    expect(out.deployment).toBe(valueDigest('api-AKIAIOSFODNN7EXAMPLE'));
  });
});
