/**
 * The differential property: for a random policy and random requests, the WASM evaluator
 * and the reference evaluator produce identical outcomes. Shared by the `npm test` run and
 * the long on-demand run.
 */
import fc from 'fast-check';
import { WasmEvaluator } from '../../src/engine/wasm-evaluator.js';
import { compilePolicySet } from '../../src/policy/compile.js';
import { evaluateReference } from '../../src/policy/reference/evaluate.js';
import { policySet, request } from './arbitraries.js';

export const REQUESTS_PER_POLICY = 10;

export function differentialProperty(module: WebAssembly.Module) {
  return fc.asyncProperty(
    policySet,
    fc.array(request, { minLength: REQUESTS_PER_POLICY, maxLength: REQUESTS_PER_POLICY }),
    async (policy, requests) => {
      const wasm = await WasmEvaluator.create(module, compilePolicySet(policy).bytes);
      for (const r of requests) {
        const expected = evaluateReference(policy, r);
        const actual = wasm.evaluate(r);
        if (JSON.stringify(actual) !== JSON.stringify(expected)) {
          throw new Error(
            `divergence on ${JSON.stringify(r)}\n reference: ${JSON.stringify(expected)}\n wasm:      ${JSON.stringify(actual)}`,
          );
        }
      }
    },
  );
}
