/**
 * @module
 * The evaluator module shipped with the package, decoded from base64 once.
 */
import { fromBase64 } from '../lib/encoding.js';
import { POLICY_WASM_BASE64 } from './policy-wasm.generated.js';

let bytes: Uint8Array<ArrayBuffer> | null = null;

/** The packaged `policy.wasm` bytes. */
export function packagedWasm(): Uint8Array<ArrayBuffer> {
  bytes ??= fromBase64(POLICY_WASM_BASE64);
  return bytes;
}
