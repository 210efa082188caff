/**
 * @module
 * Segments: a run of one agent's records as NDJSON. The first line is the header (the
 * range and its signed checkpoint); each further line is `{"hash":…,"record":{…}}`.
 * Segment keys sort by sequence: `audit/<tenant>/<agent>/<first>-<last>.ndjson`, each part
 * percent-encoded, or past 200 bytes its SHA-256 (`%sha256-<hex>`, which no encoding makes),
 * so any id the API accepts gives a key within R2's 1,024 bytes.
 */
import type { JWK } from 'jose';
import { canonicalJson, type JsonValue } from '../lib/json.js';
import { sha256Hex } from '../lib/sha256.js';
import type { AuditRecord, ChainedRecord } from './chain.js';
import { signCheckpoint, type SegmentRange } from './checkpoint.js';

export interface SegmentHeader extends SegmentRange {
  checkpoint: string;
}

const pad = (n: number) => String(n).padStart(12, '0');

/** The longest encoded part of a key kept as it is. */
const MAX_KEY_PART = 200;

/** One part of a key: percent-encoded, or its digest when that is too long. */
export function keyPart(text: string): string {
  const encoded = encodeURIComponent(text);
  return encoded.length <= MAX_KEY_PART ? encoded : `%sha256-${sha256Hex(new TextEncoder().encode(text))}`;
}

/** Where one agent's segments live: `audit/<tenant>/<agent>/`. */
export function segmentPrefix(tenant: string, agent: string): string {
  return `audit/${keyPart(tenant)}/${keyPart(agent)}/`;
}

export function segmentKey(range: Pick<SegmentRange, 'tenant' | 'agent' | 'first_seq' | 'last_seq'>): string {
  return `${segmentPrefix(range.tenant, range.agent)}${pad(range.first_seq)}-${pad(range.last_seq)}.ndjson`;
}

/** Writes records (consecutive, following `prevHash`) as one signed NDJSON segment. */
export async function writeSegment(
  tenant: string,
  agent: string,
  prevHash: string,
  records: ChainedRecord[],
  key: JWK,
): Promise<{ key: string; text: string; header: SegmentHeader }> {
  const range: SegmentRange = {
    tenant,
    agent,
    first_seq: records[0].record.seq,
    last_seq: records[records.length - 1].record.seq,
    prev_hash: prevHash,
    head_hash: records[records.length - 1].hash,
  };
  const header: SegmentHeader = { ...range, checkpoint: await signCheckpoint(range, key) };
  const lines = [
    JSON.stringify(header),
    ...records.map((r) => `{"hash":"${r.hash}","record":${r.text ?? canonicalJson(r.record as JsonValue)}}`),
  ];
  return { key: segmentKey(range), text: `${lines.join('\n')}\n`, header };
}

const LINE_HEAD = '{"hash":"';
/** Where a record line in the writer's layout holds its hash (64 hex digits). */
export const HASH_AT = LINE_HEAD.length;
const RECORD_AT = HASH_AT + 64 + '","record":'.length;

/** The record's text in a line in the writer's layout, or null when the line is not in it. */
export function recordText(line: string): string | null {
  return line.startsWith(LINE_HEAD) && line.startsWith('","record":', HASH_AT + 64) && line.endsWith('}')
    ? line.slice(RECORD_AT, -1)
    : null;
}

/**
 * A record line's hash, record, and the record's text as written; `text` is null when the
 * line is not in the writer's layout (another writer's bytes). Null when unreadable.
 */
export function parseRecordLine(line: string): { hash: string; record: AuditRecord; text: string | null } | null {
  try {
    const text = recordText(line);
    if (text !== null) {
      return {
        hash: line.slice(HASH_AT, HASH_AT + 64),
        record: JSON.parse(text) as AuditRecord,
        text,
      };
    }
    const entry = JSON.parse(line) as { hash?: unknown; record?: AuditRecord } | null;
    return entry?.record && typeof entry.hash === 'string'
      ? { hash: entry.hash, record: entry.record, text: null }
      : null;
  } catch {
    return null;
  }
}
