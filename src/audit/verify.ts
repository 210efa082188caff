/**
 * @module
 * Verifies an agent's audit chain from its segments: every hash recomputed, seq numbers
 * consecutive with nothing missing, reordered or repeated, every checkpoint signed and
 * vouching for exactly its own segment. Reports the first bad seq and why.
 */
import type { JSONWebKeySet } from 'jose';
import { chainHashOfText, GENESIS_HASH, type AuditRecord, type LinkHash } from './chain.js';
import { canonicalJson, type JsonValue } from '../lib/json.js';
import { verifyCheckpoint } from './checkpoint.js';
import { parseRecordLine, parseRecordLines, type SegmentHeader } from './segment.js';

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
const RANGE_FIELDS = ['tenant', 'agent', 'first_seq', 'last_seq', 'prev_hash', 'head_hash'] as const;

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
  for (const { header, lines } of segments) {
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
    const vouched = await verifyCheckpoint(header.checkpoint, jwks);
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
    const entries: { hash: string; record: AuditRecord; text: string | null }[] = [];
    const parsed = parseRecordLines(lines) ?? lines.map(parseRecordLine);
    for (const entry of parsed) {
      const record = entry?.record;
      if (
        !entry ||
        !record ||
        typeof record !== 'object' ||
        !HEX64.test(entry.hash) ||
        typeof record.seq !== 'number'
      ) {
        return { ok: false, seq: expected, reason: 'a record is unreadable' };
      }
      if (record.seq !== expected) {
        const why =
          record.seq < expected ? 'is repeated or out of order' : 'comes too early: a record before it is missing';
        return { ok: false, seq: expected, reason: `record seq ${record.seq} ${why}` };
      }
      if (record.tenant !== header.tenant || record.agent !== header.agent)
        return { ok: false, seq: expected, reason: 'the record belongs to another agent' };
      entries.push(entry);
      expected++;
    }
    for (let i = 0; i < entries.length; i++) {
      const { hash, record, text } = entries[i];
      const prev = i === 0 ? head : entries[i - 1].hash;
      // Hash the record's text as written; only text that is not canonical is re-serialised (and then must still match).
      if (
        (text === null || linkHash(prev, text) !== hash) &&
        linkHash(prev, canonicalJson(record as JsonValue)) !== hash
      ) {
        return { ok: false, seq: record.seq, reason: 'the record does not match its hash (altered)' };
      }
    }
    if (entries.length > 0) head = entries[entries.length - 1].hash;
    checked += entries.length;
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
