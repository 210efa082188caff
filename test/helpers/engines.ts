/**
 * Test helpers: the built evaluator module, and both engines over the same policies.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { WasmEvaluator } from '../../src/engine/wasm-evaluator.js';
import { compilePolicySet } from '../../src/policy/compile.js';
import type { EvalRequest, Verdict } from '../../src/policy/verdict.js';
import { formatIssue } from '../../src/policy/errors.js';
import { loadPolicies } from '../../src/policy/load.js';
import type { PolicySet } from '../../src/policy/model.js';
import { evaluateReference } from '../../src/policy/reference/evaluate.js';

const wasmPath = fileURLToPath(new URL('../../build/policy.wasm', import.meta.url));
let compiled: WebAssembly.Module | null = null;

/** The evaluator built by `npm run build:wasm` (run by `pretest`). */
export function evaluatorModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(readFileSync(wasmPath));
  return compiled;
}

export function loadOrThrow(files: Record<string, string>): PolicySet {
  const r = loadPolicies(files);
  if (!r.ok) throw new Error(r.errors.map(formatIssue).join('\n'));
  return r.policy;
}

/** Both engines for one policy set. */
export interface EnginePair {
  policy: PolicySet;
  wasm: WasmEvaluator;
  reference(request: EvalRequest): Verdict;
}

export async function enginePair(policyOrFiles: PolicySet | Record<string, string>): Promise<EnginePair> {
  const policy =
    'rules' in policyOrFiles && Array.isArray(policyOrFiles.rules)
      ? (policyOrFiles as PolicySet)
      : loadOrThrow(policyOrFiles as Record<string, string>);
  const { bytes } = compilePolicySet(policy);
  const wasm = await WasmEvaluator.create(evaluatorModule(), bytes);
  return { policy, wasm, reference: (r) => evaluateReference(policy, r) };
}
