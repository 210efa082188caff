/**
 * Benchmark lines for DLP and `matches`: the DLP corpus's detection and false-positive
 * rates through the WASM evaluator, and the time of pathological patterns that a
 * backtracking engine would never finish.
 */
import { readFileSync } from 'node:fs';
import { WasmEvaluator } from '../../dist/engine/wasm-evaluator.js';
import { compilePolicies } from '../../dist/policy/compile.js';
import { CORPUS_POLICY, corpusRates } from '../dlp/corpus.js';

const evaluatorModule = () => new WebAssembly.Module(readFileSync(new URL('../../build/policy.wasm', import.meta.url)));

export async function dlpAndRegex(): Promise<void> {
  const dlp = await WasmEvaluator.create(evaluatorModule(), compilePolicies(CORPUS_POLICY).bytes);
  const rates = corpusRates((r) => dlp.evaluate(r));
  const detection = rates.detected / rates.positives;
  console.log(
    `\nDLP corpus (test/dlp): detection ${(detection * 100).toFixed(1)}% (${rates.detected} of ${rates.positives}; target ≥ 95%: ${detection >= 0.95 ? 'met' : 'missed'}), false positives ${rates.falsePositives} of ${rates.negatives} (target 0: ${rates.falsePositives === 0 ? 'met' : 'missed'})`,
  );
  for (const miss of rates.missed) console.log(`  missed: ${miss.detector}, ${miss.evasion}`);

  const text = 'a'.repeat(64 * 1024);
  for (const pattern of ['(a*)*b', '(a|aa)*c', '^(a+)+$x']) {
    const evaluator = await WasmEvaluator.create(
      evaluatorModule(),
      compilePolicies({
        'p.yaml': `rules:\n  - id: r\n    effect: allow\n    when: context.s.matches(${JSON.stringify(pattern)})\n`,
      }).bytes,
    );
    const started = performance.now();
    const outcome = evaluator.evaluate({ agent: { id: 'a' }, action: 'x', resource: 'r', context: { s: text } });
    console.log(
      `matches(${JSON.stringify(pattern)}) against 64 KiB of 'a': ${(performance.now() - started).toFixed(1)} ms (${outcome.code}; linear time, no backtracking)`,
    );
  }
}
