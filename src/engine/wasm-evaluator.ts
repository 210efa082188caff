/**
 * @module
 * The host side of the WASM ABI: instantiates `policy.wasm` from a `WebAssembly.Module`
 * (Workers) or bytes (Node, browsers), checks its ABI version, loads a bundle, and
 * evaluates requests with one WASM call each. Anything that goes wrong denies.
 */
import { ABI_MINOR, ABI_VERSION, STATUS_TEXT } from '../policy/bundle/format.js';
import { decodeBundle, type BundleInfo } from '../policy/bundle/decode.js';
import { bundleHash } from '../policy/compile.js';
import { failedVerdict, type EvalRequest, type Verdict } from '../policy/verdict.js';
import { TollgateError } from '../lib/errors.js';
import { requestProblem } from '../policy/request-check.js';
import { DLP_TOO_MUCH, dlpViews, type DlpView } from '../policy/dlp-views.js';
import { describeVerdict, type Decision } from './describe.js';
import { decodeVerdict, evaluatorFailure } from './verdict-decoder.js';
import { EncodeFailure, RequestEncoder, RequestTooLarge } from './request-encoder.js';

/** The exports `policy.wasm` must have. */
interface EvaluatorExports {
  memory: WebAssembly.Memory;
  ABI_VERSION: WebAssembly.Global;
  ABI_MINOR?: WebAssembly.Global;
  alloc_bundle(len: number): number;
  load_bundle(len: number): number;
  input_ptr(): number;
  input_capacity(): number;
  output_ptr(): number;
  decide(len: number): number;
}

export type WasmSource = WebAssembly.Module | BufferSource;

/** `WebAssembly.compile`. Workers' types leave it out (Workers refuse it at run time); elsewhere it is standard. */
export const compileWasm = (bytes: BufferSource): Promise<WebAssembly.Module> =>
  (WebAssembly as unknown as { compile(bytes: BufferSource): Promise<WebAssembly.Module> }).compile(bytes);

async function instantiate(wasm: WasmSource): Promise<EvaluatorExports> {
  const module = wasm instanceof WebAssembly.Module ? wasm : await compileWasm(wasm);
  const imports = {
    env: {
      abort() {
        throw new TollgateError('evaluator_trap', 'evaluator aborted');
      },
    },
  };
  const instance = await WebAssembly.instantiate(module, imports);
  const exports = instance.exports as unknown as EvaluatorExports;
  const abi = exports.ABI_VERSION instanceof WebAssembly.Global ? Number(exports.ABI_VERSION.value) : NaN;
  if (abi !== ABI_VERSION)
    throw new TollgateError('abi_mismatch', `evaluator abi version ${abi} is not the supported ${ABI_VERSION}`);
  // An evaluator from before minor versions has none: it is minor 0.
  const minor = exports.ABI_MINOR instanceof WebAssembly.Global ? Number(exports.ABI_MINOR.value) : 0;
  if (minor < ABI_MINOR)
    throw new TollgateError(
      'abi_mismatch',
      `evaluator abi version ${abi}.${minor} is older than the ${ABI_VERSION}.${ABI_MINOR} this host needs`,
    );
  return exports;
}

/**
 * One evaluator instance holding one bundle. Pure: the agent's state comes in
 * `request.facts`; the stateful layer supplies it and commits the consequences.
 */
export class WasmEvaluator {
  readonly info: BundleInfo;
  readonly hash: string;
  private encoder: RequestEncoder;
  private output: Uint32Array;
  private broken: string | null = null;

  private constructor(
    private exports: EvaluatorExports,
    readonly bundle: Uint8Array,
  ) {
    this.info = decodeBundle(bundle);
    this.hash = bundleHash(bundle);
    const at = exports.alloc_bundle(bundle.length);
    new Uint8Array(exports.memory.buffer, at, bundle.length).set(bundle);
    const status = exports.load_bundle(bundle.length);
    if (status !== 0)
      throw new TollgateError('bundle_invalid', `evaluator rejected the bundle: ${STATUS_TEXT[status] ?? status}`);
    const ruleIndex = new Map(this.info.rules.map((r) => [r.id, r.index]));
    // Path texts are symbols, so they say which request parts any rule reads.
    const usesNow = this.info.symbols.some((s) => s.startsWith('now.'));
    const contextKeys = new Set(this.info.symbols.filter((s) => s.startsWith('context.')).map((s) => s.split('.')[1]));
    this.encoder = new RequestEncoder(
      ruleIndex,
      exports.memory,
      exports.input_ptr(),
      exports.input_capacity(),
      usesNow,
      contextKeys,
    );
    // The output area is 16-byte aligned; its fields are u32s.
    this.output = new Uint32Array(exports.memory.buffer, exports.output_ptr());
  }

  /** Instantiates the evaluator and loads `bundle`. Throws on an ABI mismatch or a bad bundle. */
  static async create(wasm: WasmSource, bundle: Uint8Array): Promise<WasmEvaluator> {
    return new WasmEvaluator(await instantiate(wasm), bundle);
  }

  /** Decides one request. Never throws and never allows what it can't evaluate. */
  evaluate(request: EvalRequest): Verdict {
    if (this.broken) return evaluatorFailure(this.broken);
    let views: DlpView[] | null = [];
    if (this.info.dlpDenies) {
      // The encoder validates the request; only a malformed one can make the views throw.
      try {
        views = dlpViews(request);
      } catch (err) {
        return failedVerdict(
          'invalid_request',
          requestProblem(request) ?? `request could not be scanned: ${(err as Error).message}`,
        );
      }
      if (views === null) return failedVerdict('invalid_request', DLP_TOO_MUCH);
    }
    let len: number;
    try {
      len = this.encoder.encode(
        request,
        this.info.trust.initial,
        views.map((view) => view.text),
      );
    } catch (err) {
      if (err instanceof EncodeFailure)
        return failedVerdict('invalid_request', requestProblem(request) ?? 'request could not be encoded');
      if (err instanceof RequestTooLarge) return evaluatorFailure(err.message);
      return failedVerdict(
        'invalid_request',
        requestProblem(request) ?? `request could not be read: ${(err as Error).message}`,
      );
    }
    let status: number;
    try {
      status = this.exports.decide(len);
    } catch (err) {
      // A trap leaves the instance in an unknown state: stop using it.
      this.broken = `evaluator trapped: ${(err as Error).message}`;
      return evaluatorFailure(this.broken);
    }
    return decodeVerdict(status, this.output, this.info, request, views);
  }

  /** Decides one request and describes it as DESIGN §3 does: reasons, errors and the policy hash. */
  decide(request: EvalRequest): Decision {
    return describeVerdict(this.evaluate(request), this.info, this.hash, request);
  }

  /** Encodes without evaluating, for benchmarks of the pre-encoded path. Returns the length. */
  encodeOnly(request: EvalRequest): number {
    return this.encoder.encode(request, this.info.trust.initial);
  }

  /** Runs the evaluator on whatever is already in the input buffer. Returns the status. */
  decideEncoded(len: number): number {
    return this.exports.decide(len);
  }

  /** The evaluator's input buffer, for tests that feed it raw bytes. */
  inputBuffer(): Uint8Array {
    return new Uint8Array(this.exports.memory.buffer, this.exports.input_ptr(), this.exports.input_capacity());
  }
}
