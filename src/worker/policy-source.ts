/**
 * @module
 * The policy the Worker ships: `build/policies.bundle`, compiled from `policies/` by the
 * build step before every `wrangler dev` and `wrangler deploy`, and the evaluator module.
 */
import bundle from '../../build/policies.bundle';
import meta from '../../build/policies.bundle.json' with { type: 'json' };
import policyWasm from '../../build/policy.wasm';
import { decodeBundle } from '../policy/bundle/decode.js';
import { bundleHash } from '../policy/compile.js';

export const POLICY_WASM: WebAssembly.Module = policyWasm;
export const POLICY_BUNDLE: Uint8Array = new Uint8Array(bundle);
/** The build's version, which signed bundles carry (see `tollgate build`). */
export const POLICY_VERSION: number = meta.version;
/** What the host reads of the bundle in force, decoded once. */
export const policyInfo = decodeBundle(POLICY_BUNDLE);
export const policyHash = bundleHash(POLICY_BUNDLE);
