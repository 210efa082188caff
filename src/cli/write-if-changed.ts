/**
 * @module
 * Build outputs are written only when their bytes change, so that a rebuild of unchanged
 * sources touches no file: `wrangler dev` reloads the Worker (dropping requests in flight)
 * whenever a file it watches or bundles is written.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Writes `data` to `path` unless the file already holds exactly it; true when it wrote. */
export function writeIfChanged(path: string, data: string | Uint8Array): boolean {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  if (existsSync(path) && Buffer.compare(readFileSync(path), bytes) === 0) return false;
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
  return true;
}

/** Whether every output exists and the newest of them is newer than every input. */
export function upToDate(outputs: string[], inputs: string[]): boolean {
  if (!outputs.every((o) => existsSync(o))) return false;
  const built = Math.max(...outputs.map((o) => statSync(o).mtimeMs));
  return inputs.every((i) => statSync(i).mtimeMs <= built);
}
