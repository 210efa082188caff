/**
 * @module
 * The evaluator module shipped with the package, decoded from base64 once.
 */
import { POLICY_WASM_BASE64 } from './policy-wasm.generated.js';

let bytes: Uint8Array<ArrayBuffer> | null = null;

/** The packaged `policy.wasm` bytes. */
export function packagedWasm(): Uint8Array<ArrayBuffer> {
  if (bytes === null) {
    const text = atob(POLICY_WASM_BASE64);
    bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  }
  return bytes;
}
