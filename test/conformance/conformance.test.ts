/**
 * The shared conformance suite in Node: the reference evaluator (which defines the
 * semantics) and the WASM evaluator, through the one runner.
 */
import { WasmEvaluator } from '../../src/engine/wasm-evaluator.js';
import { compilePolicies } from '../../src/policy/compile.js';
import { evaluatorModule } from '../helpers/engines.js';
import { referenceEngine, runConformance } from './runner.js';

runConformance({ name: 'reference', engine: referenceEngine });

runConformance({
  name: 'WASM in Node',
  engine: async (policies) => {
    const evaluator = await WasmEvaluator.create(evaluatorModule(), compilePolicies(policies).bytes);
    return (requests) => requests.map((r) => evaluator.evaluate(r));
  },
});
