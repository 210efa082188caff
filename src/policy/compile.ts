/**
 * @module
 * `compilePolicies`: YAML files in, a content-hashed binary bundle out.
 */
import { encodeBundle } from './bundle/encode.js';
import { sha256Digest } from '../lib/digest.js';
import { PolicyError } from './errors.js';
import { loadPolicies } from './load.js';
import type { PolicySet } from './model.js';

export interface CompiledBundle {
  bytes: Uint8Array;
  /** `sha256:<hex>` of `bytes`. */
  hash: string;
}

/** The hash Tollgate uses to name a bundle: `sha256:<hex>`. */
export function bundleHash(bytes: Uint8Array): string {
  return sha256Digest(bytes);
}

/** Encodes an already checked policy. */
export function compilePolicySet(policy: PolicySet): CompiledBundle {
  const bytes = encodeBundle(policy);
  return { bytes, hash: bundleHash(bytes) };
}

/**
 * Checks and compiles policy files. Throws `PolicyError` listing every problem.
 *
 * @example
 * const { bytes, hash } = compilePolicies({ 'main.yaml': text });
 */
export function compilePolicies(files: Record<string, string>): CompiledBundle {
  const result = loadPolicies(files);
  if (!result.ok) throw new PolicyError(result.errors);
  return compilePolicySet(result.policy);
}
