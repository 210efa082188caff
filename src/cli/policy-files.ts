/**
 * @module
 * Reads a policy folder: every `*.yaml`/`*.yml` file in it (not in `tests/`), keyed by the
 * path the user would type, so that errors print as `policies/main.yaml:3:5`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from './usage.js';

export function readPolicyDir(dir: string): Record<string, string> {
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`policy folder '${dir}' does not exist`);
  const files: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    if (!/\.ya?ml$/.test(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isFile()) files[path] = readFileSync(path, 'utf8');
  }
  if (Object.keys(files).length === 0) throw new UsageError(`policy folder '${dir}' has no .yaml files`);
  return files;
}

/** The test case files of a policy folder: `<dir>/tests/*.yaml`. */
export function readTestDir(dir: string): Record<string, string> {
  const tests = join(dir, 'tests');
  if (!statSync(tests, { throwIfNoEntry: false })?.isDirectory()) return {};
  const files: Record<string, string> = {};
  for (const name of readdirSync(tests).sort()) if (/\.ya?ml$/.test(name)) files[join(tests, name)] = readFileSync(join(tests, name), 'utf8');
  return files;
}
