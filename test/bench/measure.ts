/**
 * Timing helpers: throughput from a tight loop, latency percentiles from per-call
 * high-resolution timestamps with the clock's own cost subtracted.
 */

export interface Measurement {
  name: string;
  perSecond: number;
  p50ns: number;
  p99ns: number;
}

/** The `q` quantile (0–1) of `sorted` (ascending, milliseconds), to 0.01 ms. */
export function quantileMs(sorted: readonly number[], q: number): number {
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! * 100) / 100;
}

let clockCost = -1;
function clockOverheadNs(): number {
  if (clockCost >= 0) return clockCost;
  const samples: number[] = [];
  for (let i = 0; i < 200_000; i++) {
    const a = process.hrtime.bigint();
    const b = process.hrtime.bigint();
    samples.push(Number(b - a));
  }
  samples.sort((x, y) => x - y);
  clockCost = samples[samples.length >> 1];
  return clockCost;
}

/** Runs `fn` over `inputs` round-robin: warm-up, throughput for ~`seconds`, then latency. */
export function measure<T>(name: string, inputs: T[], fn: (input: T) => unknown, seconds = 1): Measurement {
  const n = inputs.length;
  for (let i = 0; i < Math.min(20_000, n * 20); i++) fn(inputs[i % n]);
  let ops = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  while (performance.now() < deadline) {
    for (let i = 0; i < 1000; i++) fn(inputs[(ops + i) % n]);
    ops += 1000;
  }
  const elapsed = (performance.now() - started) / 1000;
  const overhead = clockOverheadNs();
  const samples = new Float64Array(Math.min(200_000, Math.max(20_000, ops >> 2)));
  for (let i = 0; i < samples.length; i++) {
    const input = inputs[i % n];
    const a = process.hrtime.bigint();
    fn(input);
    samples[i] = Math.max(0, Number(process.hrtime.bigint() - a) - overhead);
  }
  samples.sort();
  return {
    name,
    perSecond: ops / elapsed,
    p50ns: samples[samples.length >> 1],
    p99ns: samples[Math.floor(samples.length * 0.99)],
  };
}

export function formatRate(perSecond: number): string {
  return perSecond >= 1e6
    ? `${(perSecond / 1e6).toFixed(2)}M`
    : perSecond >= 1e3
      ? `${(perSecond / 1e3).toFixed(1)}k`
      : perSecond.toFixed(0);
}

export function formatNs(ns: number): string {
  return ns >= 1e6 ? `${(ns / 1e6).toFixed(2)} ms` : ns >= 1e3 ? `${(ns / 1e3).toFixed(2)} µs` : `${ns.toFixed(0)} ns`;
}

/** What the evaluator rows need of a `WasmEvaluator`. */
interface Evaluator<R> {
  evaluate(request: R): unknown;
  encodeOnly(request: R): number;
  inputBuffer(): Uint8Array;
  decideEncoded(length: number): unknown;
}

/** The pure evaluator's two rows: from JS objects, and from requests encoded beforehand. */
export function evaluatorRows<R>(evaluator: Evaluator<R>, requests: R[], seconds: number): [Measurement, Measurement] {
  const encoded = requests.map((r) => evaluator.inputBuffer().slice(0, evaluator.encodeOnly(r)));
  const input = evaluator.inputBuffer();
  const decideBytes = (bytes: Uint8Array) => {
    input.set(bytes);
    return evaluator.decideEncoded(bytes.length);
  };
  return [
    measure('tollgate wasm, JS object input', requests, (r) => evaluator.evaluate(r), seconds),
    measure('tollgate wasm, pre-encoded input', encoded, decideBytes, seconds),
  ];
}
