/**
 * @module
 * The policy the Worker ships, compiled from the project's `policies/` by the build step
 * before every `wrangler dev` and `wrangler deploy`, and the evaluator module. The project's
 * wrangler.toml maps "tollgate:policies" to the build's output (`[alias]`), so the same Worker
 * serves this repository's policies and those of a project that installed Tollgate.
 */
import * as compiled from 'tollgate:policies';
import policyWasm from '../../build/policy.wasm';
import { fromBase64 } from '../lib/encoding.js';
import { decodeBundle } from '../policy/bundle/decode.js';
import { bundleHash } from '../policy/compile.js';

export const POLICY_WASM: WebAssembly.Module = policyWasm;
export const POLICY_BUNDLE: Uint8Array = fromBase64(compiled.bundleBase64);
/** The build's version, which signed bundles carry (see `tollgate build`). */
export const POLICY_VERSION: number = compiled.version;
/** The registry's action patterns and the catalogue's resource patterns, as the operators' console lists them. */
export const POLICY_CATALOGUE = compiled.catalogue ?? { actions: [], resources: [] };
/** What the host reads of the bundle in force, decoded once. */
export const policyInfo = decodeBundle(POLICY_BUNDLE);
export const policyHash = bundleHash(POLICY_BUNDLE);
