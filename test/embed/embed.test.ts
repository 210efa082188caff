/**
 * The public embed API, imported by its package name as users do (`tollgate/embed`, the
 * built `dist/`).
 */
import { describe, expect, it } from 'vitest';
import { compilePolicies, createEngine, MemoryStore, PolicyError, TollgateError } from 'tollgate/embed';
import { evaluatorModule } from '../helpers/engines.js';

const readRule = 'rules:\n  - id: read\n    effect: allow\n    actions: ["db.query"]\n    limits: { rate: 3/minute }\n';
const denyRule = 'rules:\n  - id: read\n    effect: deny\n    actions: ["db.query"]\n';
const query = { agent: { id: 'a1' }, action: 'db.query', resource: 'db:prod/users' };

describe('tollgate/embed', () => {
  it('decides with the packaged evaluator, a compiled Module, or bytes', async () => {
    const bundle = compilePolicies({ 'p.yaml': readRule });
    for (const wasm of [undefined, evaluatorModule()]) {
      const engine = await createEngine({ bundle, wasm });
      expect(engine.decide(query)).toMatchObject({ decision: 'allow', code: 'rule', policy: { hash: bundle.hash } });
      expect(engine.hash).toBe(bundle.hash);
    }
    const fromBytes = await createEngine({ bundle: bundle.bytes });
    expect(fromBytes.decide(query).decision).toBe('allow');
  });

  it('decideBatch decides in order, each request seeing the state the earlier ones left', async () => {
    const engine = await createEngine({ bundle: compilePolicies({ 'p.yaml': readRule }) });
    expect(engine.decideBatch(Array.from({ length: 5 }, () => query)).map((d) => d.code)).toEqual([
      'rule',
      'rule',
      'rule',
      'rate_limited',
      'rate_limited',
    ]);
    expect(engine.state('a1').rates[0]).toMatchObject({ used: 3, remaining: 0 });
  });

  it('update swaps the policy atomically; a bad bundle is refused and the current one stays', async () => {
    const engine = await createEngine({ bundle: compilePolicies({ 'p.yaml': readRule }) });
    const next = compilePolicies({ 'p.yaml': denyRule });
    await engine.update(next);
    expect(engine.decide(query)).toMatchObject({ decision: 'deny', policy: { hash: next.hash } });
    const corrupt = next.bytes.slice();
    corrupt[corrupt.length - 1] ^= 0xff;
    await expect(engine.update(corrupt)).rejects.toThrow(TollgateError);
    expect(engine.decide(query)).toMatchObject({ decision: 'deny', policy: { hash: next.hash } });
  });

  it('keeps state in a pluggable store, shared by engines that share it', async () => {
    const store = new MemoryStore();
    const bundle = compilePolicies({ 'p.yaml': readRule });
    const one = await createEngine({ bundle, store });
    const two = await createEngine({ bundle, store });
    one.decide(query);
    one.decide(query);
    two.decide(query);
    expect(two.decide(query).code).toBe('rate_limited');
  });

  it('suspend and resume, outcome and state', async () => {
    const engine = await createEngine({ bundle: compilePolicies({ 'p.yaml': readRule }) });
    engine.suspend('a1');
    expect(engine.decide(query).code).toBe('suspended');
    engine.resume({ id: 'a1' });
    const allowed = engine.decide(query);
    expect(allowed.decision).toBe('allow');
    expect(engine.outcome({ agent: { id: 'a1' }, decision: allowed.id, outcome: 'failure' }).trust).toBe(49);
  });

  it('reports policy errors with their locations', () => {
    try {
      compilePolicies({ 'p.yaml': 'rules:\n  - id: x\n    effect: maybe\n' });
      throw new Error('expected a PolicyError');
    } catch (err) {
      expect(err).toBeInstanceOf(PolicyError);
      expect((err as PolicyError).errors[0]).toMatchObject({ file: 'p.yaml', line: 3, col: 13, code: 'bad_value' });
    }
  });
});
