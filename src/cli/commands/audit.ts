/**
 * @module
 * `tollgate audit verify <dir|url>`: checks an agent's audit segments offline, from a
 * folder of exported segments or fetched from an edge (`GET /v1/audit/segments`).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { JSONWebKeySet } from 'jose';
import { nodeLinkHash } from '../node-link-hash.js';
import { verifyChain } from '../../audit/verify.js';
import { EXIT_FAILED, EXIT_OK, progress, progressDone, UsageError, type Command } from '../usage.js';
import { STALE_AFTER_MS, staleness, type PendingSummary } from '../../audit/staleness.js';

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

const isUrl = (s: string) => /^https?:\/\//.test(s);

/** Every segment of one agent from an edge, and the head the edge says it flushed. */
async function fetchSegments(
  base: string,
  agent: string,
  token: string,
): Promise<{ texts: string[]; flushed: { seq: number; hash: string }; pending: PendingSummary | null }> {
  const texts: string[] = [];
  let flushed = { seq: 0, hash: '' };
  let pending: PendingSummary | null = null;
  let cursor: string | null = '';
  while (cursor !== null) {
    const url = new URL('/v1/audit/segments', base);
    url.searchParams.set('agent', agent);
    if (cursor) url.searchParams.set('cursor', cursor);
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    const body = (await res.json()) as {
      error?: { message: string };
      flushed: { seq: number; hash: string };
      pending?: PendingSummary;
      segments: { text: string }[];
      next_cursor: string | null;
    };
    if (!res.ok)
      throw new UsageError(
        `${url.origin}${url.pathname} answered ${res.status}: ${body.error?.message ?? 'no reason given'}`,
      );
    if (texts.length === 0) ((flushed = body.flushed), (pending = body.pending ?? null));
    texts.push(...body.segments.map((s) => s.text));
    cursor = body.next_cursor;
    progress(`fetching: ${texts.length} segments`);
  }
  return { texts, flushed, pending };
}

export const auditCommand: Command = {
  name: 'audit',
  summary: "verify an agent's audit segments offline: tollgate audit verify <dir|url>",
  help: `Usage: tollgate audit verify <dir> --jwks <file|url> [--head <seq>:<hash>]
       tollgate audit verify <url> --agent <id> [--token <operator token>] [--jwks <file|url>] [--head <seq>:<hash>]

Verifies one agent's audit chain from its NDJSON segments: every record's hash is
recomputed, seq numbers must run on with nothing missing, reordered or repeated, and every
segment's checkpoint must be signed by a key in the JWKS and vouch for exactly that segment.
--head gives where the chain must end, which also catches a dropped final segment.

With a folder, the segments are the .ndjson files in it (searched recursively), and --jwks
is required. With the URL of an edge, the segments of --agent are fetched from
/v1/audit/segments with an operator token (--token, or TOLLGATE_TOKEN); the JWKS defaults to
the edge's /.well-known/jwks.json and --head to the head the edge has flushed. The checks
themselves run here, against the public keys only.

Prints ok, or the first bad seq and why. From an edge, records still waiting in the agent's
object past ${STALE_AFTER_MS / 60_000} minutes are reported as STALE, naming the agent and the
oldest seq. Exits 0 when the chain verifies, 1 when it does not or is stale, 2 on bad usage.`,
  async run(args) {
    const { positionals, values } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        jwks: { type: 'string' },
        head: { type: 'string' },
        agent: { type: 'string' },
        token: { type: 'string' },
      },
    });
    if (positionals[0] !== 'verify' || positionals.length !== 2)
      throw new UsageError('expected: tollgate audit verify <dir|url>');
    const source = positionals[1];
    if (!isUrl(source) && !values.jwks) throw new UsageError('--jwks <file|url> is required with a folder');
    let expectedHead: { seq: number; hash: string } | undefined;
    if (values.head) {
      const m = /^(\d+):([0-9a-f]{64})$/.exec(values.head);
      if (!m) throw new UsageError('--head must look like <seq>:<64 hex characters>');
      expectedHead = { seq: Number(m[1]), hash: m[2] };
    }
    let texts: string[];
    let pending: PendingSummary | null = null;
    if (isUrl(source)) {
      if (!values.agent) throw new UsageError('--agent <id> is required with a url');
      const token = values.token ?? process.env.TOLLGATE_TOKEN;
      if (!token) throw new UsageError('an operator token is required with a url: --token <jwt> or TOLLGATE_TOKEN');
      const fetched = await fetchSegments(source, values.agent, token);
      texts = fetched.texts;
      pending = fetched.pending;
      expectedHead ??= fetched.flushed.seq > 0 ? fetched.flushed : undefined;
    } else {
      const files = ndjsonFiles(source);
      if (files.length === 0) throw new UsageError(`no .ndjson segments in ${source}`);
      texts = files.map((f) => readFileSync(f, 'utf8'));
    }
    const jwks = await readJwks(values.jwks ?? new URL('/.well-known/jwks.json', source).href);
    const started = performance.now();
    const result = await verifyChain(texts, jwks, {
      expectedHead,
      linkHash: nodeLinkHash,
      onProgress: (n) => progress(`verifying: ${n.toLocaleString()} records`),
    });
    progressDone();
    if (!result.ok) {
      console.log(`FAILED at seq ${result.seq}: ${result.reason}`);
      return EXIT_FAILED;
    }
    // Every hash checks out; records that wait too long to leave the agent's object are a finding too.
    const stale = pending ? staleness(pending, Date.now()) : null;
    if (stale) {
      console.log(`STALE: agent ${values.agent}: ${stale}`);
      return EXIT_FAILED;
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `ok: ${result.records.toLocaleString()} records in ${result.segments} segments, head seq ${result.head.seq} ${result.head.hash} (${Math.round(result.records / seconds).toLocaleString()} records/s)`,
    );
    return EXIT_OK;
  },
};
