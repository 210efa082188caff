/**
 * Reference vs WASM on random policies and requests: 1,000 policies × 10 requests =
 * 10,000 cases per `npm test`. `npm run fuzz:differential` runs a million.
 */
import fc from 'fast-check';
import { it } from 'vitest';
import { evaluatorModule } from '../helpers/engines.js';
import { differentialProperty } from './check.js';

it('the wasm evaluator agrees with the reference on 10,000 random cases', async () => {
  await fc.assert(differentialProperty(evaluatorModule()), { numRuns: 1000 });
});
