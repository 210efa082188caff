/**
 * @module
 * Reads a policy folder: every `*.yaml`/`*.yml` file in it (not in `tests/`), keyed by the
 * path the user would type, so that errors print as `policies/main.yaml:3:5`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { PolicyIssue } from '../policy/errors.js';
import { UsageError } from './usage.js';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** The offset of the first byte sequence that is not well-formed UTF-8 (RFC 3629). */
function firstBadUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    const n = b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (n === 0 || i + n > bytes.length) return i;
    const lo = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80;
    const hi = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf;
    if (bytes[i + 1] < lo || bytes[i + 1] > hi) return i;
    for (let k = 2; k < n; k++) if (bytes[i + k] < 0x80 || bytes[i + k] > 0xbf) return i;
    i += n;
  }
  return bytes.length;
}

/** Where the first byte that is not UTF-8 sits, as a 1-based line and column. */
function badUtf8Position(bytes: Uint8Array): { line: number; col: number } {
  const lines = utf8.decode(bytes.subarray(0, firstBadUtf8(bytes))).split('\n');
  return { line: lines.length, col: lines[lines.length - 1].length + 1 };
}

/** Decodes a policy file; bytes that are not UTF-8 are a problem at their position. */
function decodeFile(path: string, bytes: Uint8Array, issues: PolicyIssue[]): string | null {
  try {
    return utf8.decode(bytes);
  } catch {
    const { line, col } = badUtf8Position(bytes);
    issues.push({ file: path, line, col, code: 'bad_encoding', message: 'file is not valid utf-8' });
    return null;
  }
}

/** The policy files of `dir` as text, and a problem for each that is not UTF-8. */
export function readPolicyDir(dir: string): { files: Record<string, string>; issues: PolicyIssue[] } {
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory())
    throw new UsageError(`policy folder '${dir}' does not exist`);
  const files: Record<string, string> = {};
  const issues: PolicyIssue[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (!/\.ya?ml$/.test(name)) continue;
    const path = join(dir, name);
    if (!statSync(path).isFile()) continue;
    const text = decodeFile(path, readFileSync(path), issues);
    if (text !== null) files[path] = text;
  }
  if (Object.keys(files).length + issues.length === 0)
    throw new UsageError(`policy folder '${dir}' has no .yaml files`);
  return { files, issues };
}

/** The test case files of a policy folder: `<dir>/tests/*.yaml`. */
export function readTestDir(dir: string): Record<string, string> {
  const tests = join(dir, 'tests');
  if (!statSync(tests, { throwIfNoEntry: false })?.isDirectory()) return {};
  const files: Record<string, string> = {};
  for (const name of readdirSync(tests).sort())
    if (/\.ya?ml$/.test(name)) files[join(tests, name)] = readFileSync(join(tests, name), 'utf8');
  return files;
}
