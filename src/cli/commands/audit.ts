/**
 * @module
 * `tollgate audit verify <dir> --jwks <file|url>`: checks exported audit segments offline.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { JSONWebKeySet } from 'jose';
import { verifyChain } from '../../audit/verify.js';
import { EXIT_FAILED, EXIT_OK, progress, progressDone, UsageError, type Command } from '../usage.js';

function ndjsonFiles(dir: string): string[] {
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`folder '${dir}' does not exist`);
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ndjson'))
    .sort()
    .map((f) => join(dir, f));
}

async function readJwks(source: string): Promise<JSONWebKeySet> {
  const text = /^https?:\/\//.test(source) ? await (await fetch(source)).text() : readFileSync(source, 'utf8');
  const jwks = JSON.parse(text) as JSONWebKeySet;
  if (!Array.isArray(jwks.keys)) throw new UsageError(`--jwks ${source} is not a JWKS (no "keys" array)`);
  return jwks;
}

export const auditCommand: Command = {
  name: 'audit',
  summary: 'verify exported audit segments offline: tollgate audit verify <dir> --jwks <file|url>',
  help: `Usage: tollgate audit verify <dir> --jwks <file|url> [--head <seq>:<hash>]

Verifies one agent's audit chain from its NDJSON segments in dir (searched recursively):
every record's hash is recomputed, seq numbers must run on with nothing missing, reordered
or repeated, and every segment's checkpoint must be signed by a key in the JWKS (the edge's
/.well-known/jwks.json) and vouch for exactly that segment. --head gives where the chain
must end, which also catches a dropped final segment. Prints ok, or the first bad seq and
why. Exits 0 when the chain verifies, 1 when it does not, 2 on bad usage.`,
  async run(args) {
    const { positionals, values } = parseArgs({ args, allowPositionals: true, options: { jwks: { type: 'string' }, head: { type: 'string' } } });
    if (positionals[0] !== 'verify' || positionals.length !== 2) throw new UsageError('expected: tollgate audit verify <dir> --jwks <file|url>');
    if (!values.jwks) throw new UsageError('--jwks <file|url> is required');
    let expectedHead: { seq: number; hash: string } | undefined;
    if (values.head) {
      const m = /^(\d+):([0-9a-f]{64})$/.exec(values.head);
      if (!m) throw new UsageError('--head must look like <seq>:<64 hex characters>');
      expectedHead = { seq: Number(m[1]), hash: m[2] };
    }
    const files = ndjsonFiles(positionals[1]);
    if (files.length === 0) throw new UsageError(`no .ndjson segments in ${positionals[1]}`);
    const jwks = await readJwks(values.jwks);
    const started = performance.now();
    const result = await verifyChain(files.map((f) => readFileSync(f, 'utf8')), jwks, {
      expectedHead,
      onProgress: (n) => progress(`verifying: ${n.toLocaleString()} records`),
    });
    progressDone();
    if (!result.ok) {
      console.log(`FAILED at seq ${result.seq}: ${result.reason}`);
      return EXIT_FAILED;
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(`ok: ${result.records.toLocaleString()} records in ${result.segments} segments, head seq ${result.head.seq} ${result.head.hash} (${Math.round(result.records / seconds).toLocaleString()} records/s)`);
    return EXIT_OK;
  },
};
