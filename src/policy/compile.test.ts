import { describe, expect, it } from 'vitest';
import { decodeBundle } from './bundle/decode.js';
import { sha256Hex } from '../lib/sha256.js';
import { compilePolicies } from './compile.js';
import { PolicyError } from './errors.js';

const files = {
  'a.yaml':
    'rules:\n  - id: read\n    effect: allow\n    actions: ["db.query"]\n    limits: { rate: 5/minute }\n    risk: 3\n    reason: "reads are fine"\n',
  'b.yaml':
    'trust: { initial: 40 }\nrules:\n  - id: drop\n    effect: deny\n    actions: ["db.drop"]\n    when: context.force != true\n',
};

describe('compilePolicies', () => {
  it('is deterministic whatever the file order, and hashes the bytes', () => {
    const one = compilePolicies(files);
    const two = compilePolicies({ 'b.yaml': files['b.yaml'], 'a.yaml': files['a.yaml'] });
    expect(Buffer.from(one.bytes).equals(Buffer.from(two.bytes))).toBe(true);
    expect(one.hash).toBe(`sha256:${sha256Hex(one.bytes)}`);
    expect(one.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('changes the hash when a policy changes', () => {
    const changed = compilePolicies({ ...files, 'b.yaml': files['b.yaml'].replace('db.drop', 'db.truncate') });
    expect(changed.hash).not.toBe(compilePolicies(files).hash);
  });

  it('round-trips rule metadata through the bundle', () => {
    const info = decodeBundle(compilePolicies(files).bytes);
    expect(info.trust.initial).toBe(40);
    expect(info.tickets).toEqual({ ttlMs: 60_000 });
    expect(info.approvals).toEqual({ ttlMs: 15 * 60_000, maxPending: 20, claimTtlMs: 15 * 60_000 });
    expect(info.delegation).toEqual({ maxDepth: 3 });
    expect(info.actionSettings).toEqual([]);
    expect(info.rules).toEqual([
      {
        index: 0,
        id: 'drop',
        effect: 'deny',
        reason: null,
        mode: null,
        rate: null,
        spend: null,
        tokens: null,
        risk: 0,
      },
      {
        index: 1,
        id: 'read',
        effect: 'allow',
        reason: 'reads are fine',
        mode: null,
        rate: { count: 5, windowMs: 60_000 },
        spend: null,
        tokens: null,
        risk: 3,
      },
    ]);
  });

  it('round-trips the host-only settings: approvals, delegation, the loggable params and costs', () => {
    const info = decodeBundle(
      compilePolicies({
        'a.yaml':
          'approvals: { ttl: 5m, max_pending: 3, claim_ttl: 2m }\ndelegation: { max_depth: 1 }\nactions:\n  - match: "k8s.*"\n    log_params: [namespace]\n  - match: "pay"\n    params: { amount: { type: number } }\n    cost: { usd: params.amount }\n  - match: "**"\n',
      }).bytes,
    );
    expect(info.approvals).toEqual({ ttlMs: 300_000, maxPending: 3, claimTtlMs: 120_000 });
    expect(info.delegation).toEqual({ maxDepth: 1 });
    expect(info.actionSettings).toEqual([
      { match: 'k8s.*', logParams: ['namespace'], cost: null, params: [] },
      { match: 'pay', logParams: [], cost: { usd: 'amount', tokens: null }, params: ['amount'] },
      { match: '**', logParams: [], cost: null, params: [] },
    ]);
  });

  it('decodes a bundle held in a Node Buffer without touching its bytes', () => {
    const { bytes } = compilePolicies(files);
    const buffer = Buffer.concat([Buffer.alloc(3), Buffer.from(bytes)]).subarray(3); // a view into a bigger pool, as readFileSync gives
    const before = Buffer.from(buffer);
    expect(decodeBundle(buffer).rules).toHaveLength(2);
    expect(buffer.equals(before)).toBe(true);
  });

  it('throws PolicyError carrying every issue', () => {
    try {
      compilePolicies({ 'x.yaml': 'rules:\n  - id: a\n    effect: nope\n  - id: a\n    effect: allow\n' });
      throw new Error('expected PolicyError');
    } catch (err) {
      expect(err).toBeInstanceOf(PolicyError);
      expect((err as PolicyError).code).toBe('policy_invalid');
      expect((err as PolicyError).errors.map((e) => e.code)).toEqual(['bad_value', 'duplicate_rule']);
    }
  });
});
