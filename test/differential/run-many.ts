/**
 * On-demand differential run: `npm run fuzz:differential [-- <cases>]` (default 1,000,000).
 * Prints progress, and the seed and counterexample of any divergence.
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { differentialProperty, REQUESTS_PER_POLICY } from './check.js';

const cases = Number(process.argv[2] ?? 1_000_000);
const module = new WebAssembly.Module(readFileSync(new URL('../../build/policy.wasm', import.meta.url)));
const batch = 1000;
const started = Date.now();
for (let done = 0; done < cases; done += batch * REQUESTS_PER_POLICY) {
  const seed = Date.now() ^ done;
  const result = await fc.check(differentialProperty(module), { numRuns: batch, seed });
  if (result.failed) {
    console.error(fc.defaultReportMessage(result));
    process.exit(1);
  }
  const total = done + batch * REQUESTS_PER_POLICY;
  process.stdout.write(
    `\r${total.toLocaleString()} / ${cases.toLocaleString()} cases, 0 divergences, ${((Date.now() - started) / 1000).toFixed(0)}s`,
  );
}
console.log(`\ndone: ${cases.toLocaleString()} cases, 0 divergences`);
