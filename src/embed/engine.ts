/**
 * @module
 * `createEngine`: Tollgate's decisions inside your own process. The same WASM evaluator and
 * the same stateful layer as the edge, over a pluggable `StateStore` (memory by default).
 */
import type { Decision } from '../engine/describe.js';
import type { AgentView } from '../engine/state/agent-view.js';
import { MemoryStore, type StateStore } from '../engine/state/store.js';
import { StatefulEngine, type EngineRequest, type OutcomeReport } from '../engine/stateful-engine.js';
import { compileWasm, WasmEvaluator, type WasmSource } from '../engine/wasm-evaluator.js';
import type { CompiledBundle } from '../policy/compile.js';
import { TollgateError } from '../lib/errors.js';
import { verifySignedBundle } from '../tokens/signed-bundle.js';
import type { JSONWebKeySet } from 'jose';
import { packagedWasm } from './packaged-wasm.js';

export interface LoadBundleOptions {
  /** The keys the bundle's signature must verify against (the edge's `/.well-known/jwks.json`). */
  jwks: JSONWebKeySet;
  /** Extra request headers, such as `authorization`. */
  headers?: Record<string, string>;
  /** The fetch to use; defaults to the global one. */
  fetch?: typeof fetch;
}

export interface EngineOptions {
  /** A compiled bundle: `compilePolicies(...)`'s result, or its bytes. */
  bundle: CompiledBundle | Uint8Array;
  /** The evaluator: a `WebAssembly.Module` (required in Workers) or bytes. Defaults to the packaged one. */
  wasm?: WasmSource;
  /** Where agent state lives. Defaults to memory, per engine. */
  store?: StateStore;
  /** The clock, in epoch milliseconds. Defaults to `Date.now`. */
  clock?: () => number;
}

/** An agent, by id or with its tenant. */
export type AgentRef = string | { id: string; tenant?: string };

export interface Engine {
  /** `sha256:…` of the bundle in force. */
  readonly hash: string;
  /** Decides and commits one request (DESIGN §3). Never throws; anything malformed is denied. */
  decide(request: EngineRequest): Decision;
  /** Decides requests in order; each sees the state the ones before it left. */
  decideBatch(requests: EngineRequest[]): Decision[];
  /** Reports how an allowed action went: moves trust, settles the budget reservation. */
  outcome(report: OutcomeReport): AgentView;
  /** The agent's trust, budgets, rate windows, risk and suspension. */
  state(agent: AgentRef): AgentView;
  /** The operator's kill switch. */
  suspend(agent: AgentRef): AgentView;
  resume(agent: AgentRef): AgentView;
  /** Swaps in another bundle atomically; a bad bundle rejects and leaves the current one. */
  update(bundle: CompiledBundle | Uint8Array): Promise<void>;
  /**
   * Fetches a signed bundle (`GET /v1/policy/bundle` on the edge), verifies its signature
   * against `jwks`, refuses a version lower than the one in force, and swaps it in. Any
   * failure rejects with a `TollgateError` that says why, and the current bundle stays.
   */
  loadBundle(url: string, options: LoadBundleOptions): Promise<{ version: number; hash: string }>;
  /** The version of the signed bundle in force; 0 for a bundle given directly. */
  readonly version: number;
}

function bytesOf(bundle: CompiledBundle | Uint8Array): Uint8Array {
  return bundle instanceof Uint8Array ? bundle : bundle.bytes;
}

function ref(agent: AgentRef): { id: string; tenant?: string } {
  return typeof agent === 'string' ? { id: agent } : agent;
}

/**
 * Creates an engine for a compiled bundle.
 *
 * @example
 * const engine = await createEngine({ bundle: compilePolicies({ 'main.yaml': text }) });
 * const d = engine.decide({ agent: { id: 'a1' }, action: 'db.query', resource: 'db:prod/users' });
 */
export async function createEngine(options: EngineOptions): Promise<Engine> {
  const wasm =
    options.wasm instanceof WebAssembly.Module
      ? options.wasm
      : await compileWasm((options.wasm ?? packagedWasm()) as BufferSource);
  const core = new StatefulEngine(
    await WasmEvaluator.create(wasm, bytesOf(options.bundle)),
    options.store ?? new MemoryStore(),
    options.clock,
  );
  let version = 0;
  return {
    get hash() {
      return core.bundle.hash;
    },
    get version() {
      return version;
    },
    decide: (request) => core.decide(request),
    decideBatch: (requests) => requests.map((r) => core.decide(r)),
    outcome: (report) => core.outcome(report),
    state: (agent) => core.state(ref(agent)),
    suspend: (agent) => core.setKilled(ref(agent), true),
    resume: (agent) => core.setKilled(ref(agent), false),
    async update(bundle) {
      core.swap(await WasmEvaluator.create(wasm, bytesOf(bundle)));
    },
    async loadBundle(url, { jwks, headers, fetch: fetchFn = fetch }) {
      const res = await fetchFn(url, { headers });
      if (!res.ok) throw new TollgateError('bundle_invalid', `fetching ${url} failed: http ${res.status}`);
      const verified = await verifySignedBundle(await res.json(), jwks);
      if (verified.version < version) {
        throw new TollgateError(
          'bundle_invalid',
          `signed bundle rejected: version ${verified.version} would roll back the version in force, ${version}`,
        );
      }
      const evaluator = await WasmEvaluator.create(wasm, verified.bytes);
      // Checked again after the awaits: a newer bundle may have been swapped in meanwhile.
      if (verified.version < version)
        throw new TollgateError(
          'bundle_invalid',
          `signed bundle rejected: version ${verified.version} is older than ${version}`,
        );
      core.swap(evaluator);
      version = verified.version;
      return { version, hash: verified.hash };
    },
  };
}
