/**
 * The shared conformance case files through the public embed API in Node (the pure
 * evaluator, since cases give the agent's facts): identical to the reference evaluator.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compilePolicies, createEvaluator } from 'tollgate/embed';
import { compareVerdict, parseCaseFile } from '../../src/policy/cases.js';
import { decodeBundle } from '../../src/policy/bundle/decode.js';
import { loadOrThrow } from '../helpers/engines.js';
import { evaluateReference } from '../../src/policy/reference/evaluate.js';

const dir = new URL('../conformance/', import.meta.url);
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();

describe.each(files)('%s through tollgate/embed', async (file) => {
  const parsed = parseCaseFile(file, readFileSync(new URL(file, dir), 'utf8'), { allowPolicies: true });
  const bundle = compilePolicies(parsed.policies!);
  const evaluator = await createEvaluator({ bundle });
  const policy = loadOrThrow(parsed.policies!);
  const info = decodeBundle(bundle.bytes);

  it.each(parsed.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const outcome = evaluator.evaluate(c.request);
    expect(outcome).toEqual(evaluateReference(policy, c.request));
    expect(compareVerdict(outcome, c.expect, info)).toEqual([]);
  });
});
