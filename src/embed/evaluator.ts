/**
 * @module
 * `createEvaluator`: the pure evaluator, for callers that keep agent state themselves (or
 * test policies against given facts). The request carries the agent's facts; nothing is
 * remembered between calls.
 */
import type { Decision } from '../engine/describe.js';
import { compileWasm, WasmEvaluator, type WasmSource } from '../engine/wasm-evaluator.js';
import type { CompiledBundle } from '../policy/compile.js';
import type { EvalRequest, Verdict } from '../policy/verdict.js';
import { packagedWasm } from './packaged-wasm.js';

export interface Evaluator {
  readonly hash: string;
  /** The structured verdict (rule indices, details) for a request with its facts. */
  evaluate(request: EvalRequest): Verdict;
  /** The DESIGN §3 decision for a request with its facts. */
  decide(request: EvalRequest): Decision;
  /** Rule ids in bundle order: `verdict.rules` index into this. */
  readonly ruleIds: readonly string[];
}

export async function createEvaluator(options: {
  bundle: CompiledBundle | Uint8Array;
  wasm?: WasmSource;
}): Promise<Evaluator> {
  const wasm =
    options.wasm instanceof WebAssembly.Module
      ? options.wasm
      : await compileWasm((options.wasm ?? packagedWasm()) as BufferSource);
  const evaluator = await WasmEvaluator.create(
    wasm,
    options.bundle instanceof Uint8Array ? options.bundle : options.bundle.bytes,
  );
  return {
    hash: evaluator.hash,
    ruleIds: evaluator.info.rules.map((r) => r.id),
    evaluate: (request) => evaluator.evaluate(request),
    decide: (request) => evaluator.decide(request),
  };
}
