/**
 * The shared conformance case files through the WASM evaluator inside workerd, with the
 * module the Worker imports: identical to the reference evaluator, as in Node.
 */
import { describe, expect, it } from 'vitest';
import { WasmEvaluator } from '../../src/engine/wasm-evaluator.js';
import { compareVerdict, parseCaseFile } from '../../src/policy/cases.js';
import { compilePolicies } from '../../src/policy/compile.js';
import { loadPolicies } from '../../src/policy/load.js';
import { evaluateReference } from '../../src/policy/reference/evaluate.js';
import { POLICY_WASM } from '../../src/worker/policy-source.js';

const files = import.meta.glob<string>('../conformance/*.yaml', { query: '?raw', import: 'default', eager: true });

describe.each(Object.keys(files).sort())('%s in workerd', async (path) => {
  const parsed = parseCaseFile(path, files[path], { allowPolicies: true });
  const loaded = loadPolicies(parsed.policies!);
  if (!loaded.ok) throw new Error(`${path}: ${loaded.errors[0].message}`);
  const evaluator = await WasmEvaluator.create(POLICY_WASM, compilePolicies(parsed.policies!).bytes);

  it.each(parsed.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const outcome = evaluator.evaluate(c.request);
    expect(outcome).toEqual(evaluateReference(loaded.policy, c.request));
    expect(compareVerdict(outcome, c.expect, evaluator.info)).toEqual([]);
  });
});
