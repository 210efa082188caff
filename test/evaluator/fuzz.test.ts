/**
 * Fail-closed fuzzing: random, truncated and corrupted bundles and requests. The host
 * never crashes (only `TollgateError`s escape, and only from loading), the evaluator never
 * traps, and nothing malformed is ever allowed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WasmEvaluator } from '../../src/engine/wasm-evaluator.js';
import { DIGEST_OFFSET, HEADER_BYTES } from '../../src/policy/bundle/format.js';
import { sha256 } from '../../src/lib/sha256.js';
import { compilePolicies, compilePolicySet } from '../../src/policy/compile.js';
import type { EvalRequest } from '../../src/policy/verdict.js';
import { TollgateError } from '../../src/lib/errors.js';
import { requestProblem } from '../../src/policy/request-check.js';
import { policySet, request } from '../differential/arbitraries.js';
import { evaluatorModule } from '../helpers/engines.js';

const allowAll = compilePolicies({
  'p.yaml':
    'actions:\n  - match: "x"\n    params:\n      n: { type: number, integer: true }\nrules:\n  - id: all\n    effect: allow\n    when: params.n == null || params.n >= 0 || params.n < 0 || true\n',
});

/** Applies random byte edits and an optional truncation. */
const corruption = fc.record({
  edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
  truncate: fc.option(fc.nat(), { nil: null }),
});
function corrupt(bytes: Uint8Array, c: { edits: [number, number][]; truncate: number | null }): Uint8Array {
  const out = bytes.slice();
  for (const [at, value] of c.edits) out[at % out.length] = value;
  return c.truncate === null ? out : out.slice(0, c.truncate % out.length);
}
/** Re-seals a corrupted bundle so it passes the digest and reaches the evaluator's own checks. */
function reseal(bytes: Uint8Array): Uint8Array {
  if (bytes.length < HEADER_BYTES) return bytes;
  const out = bytes.slice();
  out.fill(0, DIGEST_OFFSET, DIGEST_OFFSET + 32);
  out.set(sha256(out), DIGEST_OFFSET);
  return out;
}

async function createOrError(bundle: Uint8Array): Promise<WasmEvaluator | TollgateError> {
  try {
    return await WasmEvaluator.create(evaluatorModule(), bundle);
  } catch (err) {
    if (err instanceof TollgateError) return err;
    throw err;
  }
}

describe('corrupted bundles', () => {
  it('any corruption is caught at load by the digest', async () => {
    await fc.assert(
      fc.asyncProperty(corruption, async (c) => {
        const bad = corrupt(allowAll.bytes, c);
        if (bad.length === allowAll.bytes.length && bad.every((b, i) => b === allowAll.bytes[i])) return;
        const result = await createOrError(bad);
        expect(result).toBeInstanceOf(TollgateError);
      }),
      { numRuns: 500 },
    );
  });

  it('random bytes are rejected', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), async (bytes) => {
        expect(await createOrError(bytes)).toBeInstanceOf(TollgateError);
      }),
    );
  });

  it('a resealed corrupt bundle either fails to load or evaluates without trapping', async () => {
    await fc.assert(
      fc.asyncProperty(policySet, corruption, fc.array(request, { maxLength: 5 }), async (policy, c, requests) => {
        const bundle = reseal(corrupt(compilePolicySet(policy).bytes, c));
        const evaluator = await createOrError(bundle);
        if (evaluator instanceof TollgateError) return;
        for (const r of requests) {
          const out = evaluator.evaluate(r);
          expect(['allow', 'deny', 'require_approval']).toContain(out.decision);
          if (out.code === 'evaluator_error') expect(out.decision).toBe('deny');
          expect(out.detail?.kind === 'evaluator_error' ? out.detail.message : '').not.toMatch(/trapped/);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('traps', () => {
  it('a trap in the evaluator denies, and the instance is never used again', async () => {
    const evaluator = (await createOrError(allowAll.bytes)) as WasmEvaluator;
    const request = { action: 'x', resource: 'r', agent: { id: 'a' }, params: { n: 1 } };
    expect(evaluator.evaluate(request).decision).toBe('allow');
    const internals = evaluator as unknown as { exports: { decide: (len: number) => number } };
    const real = internals.exports;
    internals.exports = {
      ...real,
      decide: () => {
        throw new WebAssembly.RuntimeError('unreachable');
      },
    };
    expect(evaluator.evaluate(request)).toMatchObject({
      decision: 'deny',
      code: 'evaluator_error',
      detail: { message: 'evaluator trapped: unreachable' },
    });
    internals.exports = real;
    expect(evaluator.evaluate(request)).toMatchObject({ decision: 'deny', code: 'evaluator_error' });
  });
});

describe('malformed requests', () => {
  it('anything that is not a valid request is denied with invalid_request', async () => {
    const evaluator = (await createOrError(allowAll.bytes)) as WasmEvaluator;
    await fc.assert(
      fc.property(
        fc.anything({
          withNullPrototype: true,
          withBigInt: true,
          withDate: true,
          withTypedArray: true,
          withSparseArray: true,
        }),
        (junk) => {
          const out = evaluator.evaluate(junk as EvalRequest);
          if (requestProblem(junk) !== null) {
            expect(out).toMatchObject({ decision: 'deny', code: 'invalid_request' });
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('the one-pass encoder rejects exactly what requestProblem rejects', async () => {
    const evaluator = (await createOrError(allowAll.bytes)) as WasmEvaluator;
    const junkField = fc.oneof(
      fc.anything({ maxDepth: 2 }),
      fc.constantFrom(NaN, Infinity, -1, 2 ** 53 + 1, '', 'a\ud800', [], {}, null, undefined),
    );
    const mutated = fc
      .tuple(
        request,
        fc.constantFrom(
          'action',
          'resource',
          'agent',
          'params',
          'context',
          'cost',
          'delegation',
          'facts',
          'idempotency_key',
          'extra',
        ),
        fc.constantFrom(
          null,
          'id',
          'roles',
          'tenant',
          'trust',
          'usd',
          'tokens',
          'spend',
          'rates',
          'depth',
          'chain',
          'x',
        ),
        junkField,
      )
      .map(([r, field, sub, junk]) => {
        const copy = structuredClone(r) as unknown as Record<string, unknown>;
        if (sub === null || typeof copy[field] !== 'object' || copy[field] === null) copy[field] = junk;
        else (copy[field] as Record<string, unknown>)[sub] = junk;
        return copy as unknown as EvalRequest;
      });
    fc.assert(
      fc.property(fc.oneof(request, mutated, fc.anything() as fc.Arbitrary<EvalRequest>), (r) => {
        let encoderRejects = false;
        try {
          evaluator.encodeOnly(r);
        } catch {
          encoderRejects = true;
        }
        expect(encoderRejects).toBe(requestProblem(r) !== null);
      }),
      { numRuns: 5000 },
    );
  });

  const base = { action: 'x', resource: 'r', agent: { id: 'a' } };
  it.each([
    ['NaN in params', { params: { n: NaN } }, /params\.n: must be a finite number, not NaN/],
    ['Infinity in context', { context: { n: Infinity } }, /context\.n: must be a finite number, not Infinity/],
    ['-Infinity in cost', { cost: { usd: -Infinity } }, /cost\.usd: must be a finite number/],
    ['2^53+1 tokens', { cost: { tokens: 2 ** 53 + 1 } }, /cost\.tokens: must be an integer below 2\^53/],
    ['a lone surrogate in a value', { params: { s: 'a\ud800' } }, /params\.s: has a lone surrogate/],
    ['a lone surrogate in a key', { params: { ['\udc00']: 1 } }, /params key: has a lone surrogate/],
    ['a missing action', { action: undefined }, /action: must be a string/],
    ['a numeric resource', { resource: 5 }, /resource: must be a string, not a number/],
    ['roles that are not strings', { agent: { id: 'a', roles: [1] } }, /agent\.roles\[0\]: must be a string/],
    ['an unknown field', { actor: 'x' }, /actor: is not a known field/],
    ['params as an array', { params: [1] }, /params: must be an object, not an array/],
    ['a class instance', { params: { d: new Date(0) } }, /params\.d: must be JSON data, not a class instance/],
    [
      'nesting deeper than the limit',
      { params: JSON.parse(`${'{"a":'.repeat(40)}1${'}'.repeat(40)}`) },
      /nested deeper than 32/,
    ],
  ])('%s is denied with a message naming the field', async (_name, patch, message) => {
    const evaluator = (await createOrError(allowAll.bytes)) as WasmEvaluator;
    const out = evaluator.evaluate({ ...base, ...patch } as unknown as EvalRequest);
    expect(out.decision).toBe('deny');
    expect(out.code).toBe('invalid_request');
    expect(out.detail).toMatchObject({ kind: 'invalid_request', message: expect.stringMatching(message) });
  });

  it('-0 and 2^53+1 as plain values are numbers: -0 equals 0, and 2^53+1 fails an integer param', async () => {
    const evaluator = (await createOrError(allowAll.bytes)) as WasmEvaluator;
    expect(evaluator.evaluate({ ...base, action: 'x', params: { n: -0 } }).decision).toBe('allow');
    expect(evaluator.evaluate({ ...base, action: 'x', params: { n: 2 ** 53 + 1 } })).toMatchObject({
      decision: 'deny',
      code: 'params',
      detail: { violation: 'integer' },
    });
  });

  it('corrupted or random bytes in the input buffer never trap the evaluator', async () => {
    const evaluator = (await createOrError(allowAll.bytes)) as WasmEvaluator;
    await fc.assert(
      fc.property(request, corruption, fc.boolean(), (r, c, random) => {
        const len = evaluator.encodeOnly(r);
        const input = evaluator.inputBuffer();
        const bytes = random ? crypto.getRandomValues(new Uint8Array(len)) : corrupt(input.slice(0, len), c);
        input.set(bytes);
        const status = evaluator.decideEncoded(bytes.length);
        expect(status).toBeGreaterThanOrEqual(0);
        // Non-UTF-8 bytes inside strings are just bytes to the evaluator: still no trap.
      }),
      { numRuns: 3000 },
    );
  });
});
