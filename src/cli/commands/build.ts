/**
 * @module
 * `tollgate build [dir] [-o out]`: compiles a policy folder into a bundle file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { writeIfChanged } from '../write-if-changed.js';
import { parseArgs } from 'node:util';
import { toBase64 } from '../../lib/encoding.js';
import { compilePolicySet } from '../../policy/compile.js';
import { formatIssue } from '../../policy/errors.js';
import { loadPolicyDir } from '../load-dir.js';
import { EXIT_FAILED, EXIT_OK, UsageError, type Command } from '../usage.js';

export const buildCommand: Command = {
  name: 'build',
  summary: 'compile policies into a bundle and print its hash and size',
  help: `Usage: tollgate build [dir] [-o out]

Compiles every .yaml file in dir (default: policies) into one binary bundle, written to
out (default: build/policies.bundle), with its hash and version (the build time, which
signed bundles carry) in out.json, and all three as an ES module in out.mjs: the one the
Worker imports as "tollgate:policies" (wrangler.toml's [alias]). Prints the bundle's
sha256 hash and size.
Exits 1 when the policies have errors (they are printed), 2 on bad usage.`,
  async run(args) {
    const { positionals, values } = parseArgs({
      args,
      allowPositionals: true,
      options: { out: { type: 'string', short: 'o' } },
    });
    if (positionals.length > 1) throw new UsageError('build takes at most one folder');
    const dir = positionals[0] ?? 'policies';
    const out = values.out ?? 'build/policies.bundle';
    const started = performance.now();
    const result = loadPolicyDir(dir);
    if (!result.ok) {
      for (const issue of result.errors) console.error(formatIssue(issue));
      console.error(`\nbuild failed: ${result.errors.length} error(s)`);
      return EXIT_FAILED;
    }
    const bundle = compilePolicySet(result.policy);
    // The version signed bundles carry: the build time, so every new bundle is newer than the
    // last. An unchanged bundle keeps its version, and neither file is rewritten.
    const previous = readBuildInfo(`${out}.json`);
    const version = previous?.hash === bundle.hash ? previous.version : Math.floor(Date.now() / 1000);
    writeIfChanged(out, bundle.bytes);
    writeIfChanged(`${out}.json`, `${JSON.stringify({ hash: bundle.hash, version })}\n`);
    const catalogue = {
      actions: result.policy.actions.map((a) => a.match),
      resources: result.policy.resources.map((r) => r.match),
    };
    writeIfChanged(`${out}.mjs`, workerModule(bundle.bytes, bundle.hash, version, catalogue));
    const ms = (performance.now() - started).toFixed(0);
    console.log(
      `${out}\n  hash    ${bundle.hash}\n  size    ${bundle.bytes.length} bytes\n  rules   ${result.policy.rules.length}\n  version ${version}\n  took    ${ms} ms`,
    );
    return EXIT_OK;
  },
};

/** The compiled policies as the ES module the Worker imports (wrangler bundles it in). */
function workerModule(
  bytes: Uint8Array,
  hash: string,
  version: number,
  catalogue: { actions: string[]; resources: string[] },
): string {
  return `// Made by \`tollgate build\`: the compiled policies the Worker imports as "tollgate:policies".
export const version = ${version};
export const hash = ${JSON.stringify(hash)};
export const catalogue = ${JSON.stringify(catalogue)};
export const bundleBase64 = "${toBase64(bytes)}";
`;
}

/** The hash and version an earlier build recorded beside its bundle, if any. */
function readBuildInfo(path: string): { hash: string; version: number } | null {
  if (!existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as { hash: string; version: number };
  } catch {
    return null;
  }
}
