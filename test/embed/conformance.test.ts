/**
 * The shared conformance case files through the public embed API in Node (the pure
 * evaluator, since cases give the agent's facts).
 */
import { compilePolicies, createEvaluator } from 'tollgate/embed';
import { runConformance } from '../conformance/runner.js';

runConformance({
  name: 'tollgate/embed',
  engine: async (policies) => {
    const evaluator = await createEvaluator({ bundle: compilePolicies(policies) });
    return (requests) => requests.map((r) => evaluator.evaluate(r));
  },
});
