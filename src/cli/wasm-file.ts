/**
 * @module
 * Loads the packaged evaluator (`build/policy.wasm`) for the CLI.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The module beside the package root, from both `src/cli` and `dist/cli`. */
export function readEvaluatorWasm(): Uint8Array {
  const path = fileURLToPath(new URL('../../build/policy.wasm', import.meta.url));
  try {
    return readFileSync(path);
  } catch {
    throw new Error(`the evaluator is not built (${path} is missing): run npm run build`);
  }
}
