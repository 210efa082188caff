/**
 * @module
 * Verifies an agent's audit chain from its segments: every hash recomputed, seq numbers
 * consecutive with nothing missing, reordered or repeated, every checkpoint signed and
 * vouching for exactly its own segment. Reports the first bad seq and why.
 */
import type { JSONWebKeySet } from 'jose';
import { chainHashOfText, GENESIS_HASH, type LinkHash } from './chain.js';
import { canonicalJson, type JsonValue } from '../lib/json.js';
import { verifyCheckpoint, type SegmentRange } from './checkpoint.js';
import { scanRecordIdentity } from './record-scan.js';
import { HASH_AT, parseRecordLine, recordText, type SegmentHeader } from './segment.js';

export type VerifyResult =
  | { ok: true; records: number; segments: number; head: { seq: number; hash: string } }
  | { ok: false; seq: number; reason: string };

export interface VerifyOptions {
  /** Where the chain must end (the Durable Object's or the index's head); catches a dropped final segment. */
  expectedHead?: { seq: number; hash: string };
  /** Called after each segment with the records checked so far. */
  onProgress?: (records: number) => void;
  /** A faster link hash where the platform has one (the CLI passes Node's); plain TypeScript by default. */
  linkHash?: LinkHash;
}

const HEX64 = /^[0-9a-f]{64}$/;
const CHECKPOINTS_AHEAD = 8;
const RANGE_FIELDS = ['tenant', 'agent', 'first_seq', 'last_seq', 'prev_hash', 'head_hash'] as const;

/**
 * Checks one record line: that it is record `seq` of the segment's agent, and chains from
 * `prev`. Returns the line's hash (the chain's new head), or why it fails.
 */
function verifyRecordLine(
  line: string,
  seq: number,
  prev: string,
  header: SegmentHeader,
  linkHash: LinkHash,
): string | { ok: false; seq: number; reason: string } {
  // The common case reads three fields from the text as written and hashes it as it is.
  const text = recordText(line);
  const identity = text === null ? null : scanRecordIdentity(text);
  if (text !== null && identity !== null) {
    const hash = line.slice(HASH_AT, HASH_AT + 64);
    const wrong = identityFailure(identity, seq, header);
    if (wrong) return wrong;
    // A link hash is 64 hex digits, so a stored hash equal to it is well-formed.
    if (linkHash(prev, text) === hash) return hash;
  }
  // Otherwise the record is parsed: another writer's layout, or text that is not canonical
  // (re-serialised, and must then still match), or a line that is altered or unreadable.
  const entry = parseRecordLine(line);
  const record = entry?.record;
  if (!entry || !record || typeof record !== 'object' || !HEX64.test(entry.hash) || typeof record.seq !== 'number')
    return { ok: false, seq, reason: 'a record is unreadable' };
  const wrong = identityFailure(record, seq, header);
  if (wrong) return wrong;
  if (
    (entry.text === null || linkHash(prev, entry.text) !== entry.hash) &&
    linkHash(prev, canonicalJson(record as JsonValue)) !== entry.hash
  ) {
    return { ok: false, seq, reason: 'the record does not match its hash (altered)' };
  }
  return entry.hash;
}

/** Why a record is not record `seq` of the segment's agent, or null when it is. */
function identityFailure(
  record: { seq: unknown; tenant: unknown; agent: unknown },
  seq: number,
  header: SegmentHeader,
): { ok: false; seq: number; reason: string } | null {
  if (record.seq !== seq) {
    const why =
      (record.seq as number) < seq ? 'is repeated or out of order' : 'comes too early: a record before it is missing';
    return { ok: false, seq, reason: `record seq ${String(record.seq)} ${why}` };
  }
  if (record.tenant !== header.tenant || record.agent !== header.agent)
    return { ok: false, seq, reason: 'the record belongs to another agent' };
  return null;
}

function parseLine(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return null;
  }
}

/** Segments as NDJSON texts, in any order. */
export async function verifyChain(
  segmentTexts: string[],
  jwks: JSONWebKeySet,
  options: VerifyOptions = {},
): Promise<VerifyResult> {
  const segments: { header: SegmentHeader; lines: string[] }[] = [];
  for (const text of segmentTexts) {
    const lines = text.split('\n').filter((l) => l.length > 0);
    const header = parseLine(lines[0] ?? '') as SegmentHeader | null;
    if (!header || typeof header.first_seq !== 'number' || typeof header.last_seq !== 'number') {
      return { ok: false, seq: 0, reason: 'a segment header is unreadable' };
    }
    segments.push({ header, lines: lines.slice(1) });
  }
  segments.sort((a, b) => a.header.first_seq - b.header.first_seq);
  const linkHash = options.linkHash ?? chainHashOfText;
  let head = GENESIS_HASH;
  let expected = 1;
  let checked = 0;
  const identity = segments[0] ? { tenant: segments[0].header.tenant, agent: segments[0].header.agent } : null;
  // Checkpoints verify off the main thread (WebCrypto): starting a few ahead of the segment
  // being read overlaps them with hashing its records, instead of waiting for each in turn.
  const checkpoints: Promise<SegmentRange | null>[] = [];
  const checkpointOf = (index: number) => {
    const until = Math.min(index + CHECKPOINTS_AHEAD, segments.length - 1);
    while (checkpoints.length <= until)
      checkpoints.push(verifyCheckpoint(segments[checkpoints.length].header.checkpoint, jwks));
    return checkpoints[index];
  };
  for (const [index, { header, lines }] of segments.entries()) {
    if (header.first_seq > expected)
      return {
        ok: false,
        seq: expected,
        reason: `records ${expected}-${header.first_seq - 1} are missing (a segment was deleted)`,
      };
    if (header.first_seq < expected)
      return { ok: false, seq: header.first_seq, reason: `seq ${header.first_seq} appears in two segments` };
    if (header.tenant !== identity!.tenant || header.agent !== identity!.agent)
      return { ok: false, seq: expected, reason: 'a segment belongs to another agent' };
    const vouched = await checkpointOf(index);
    if (!vouched)
      return {
        ok: false,
        seq: header.first_seq,
        reason: 'the checkpoint signature does not verify (forged or altered)',
      };
    if (RANGE_FIELDS.some((f) => vouched[f] !== header[f]))
      return { ok: false, seq: header.first_seq, reason: 'the checkpoint vouches for another range (replayed)' };
    if (header.prev_hash !== head)
      return { ok: false, seq: header.first_seq, reason: 'the segment does not follow the chain before it' };
    for (const line of lines) {
      const checkedLine = verifyRecordLine(line, expected, head, header, linkHash);
      if (typeof checkedLine === 'object') return checkedLine;
      head = checkedLine;
      expected++;
    }
    checked += lines.length;
    if (expected - 1 !== header.last_seq || head !== header.head_hash) {
      return {
        ok: false,
        seq: expected,
        reason: `the segment ends at seq ${expected - 1} but its checkpoint says ${header.last_seq} (truncated)`,
      };
    }
    options.onProgress?.(checked);
  }
  const last = { seq: expected - 1, hash: head };
  if (options.expectedHead && (options.expectedHead.seq !== last.seq || options.expectedHead.hash !== last.hash)) {
    return {
      ok: false,
      seq: last.seq + 1,
      reason: `the chain ends at seq ${last.seq} but its head is at seq ${options.expectedHead.seq} (truncated)`,
    };
  }
  return { ok: true, records: checked, segments: segments.length, head: last };
}
