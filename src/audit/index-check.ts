/**
 * @module
 * Checks the audit index (the D1 rows) against the segments it indexes: one row per
 * record, with the record's hash and its exact canonical JSON. A row that was altered,
 * added or removed is reported by its seq.
 */
import { canonicalJson, type JsonValue } from '../lib/json.js';
import { parseRecordLine } from './segment.js';

/** One index row as verification reads it. */
export interface IndexRow {
  seq: number;
  hash: string;
  record: string;
}

export type IndexCheck = { ok: true; rows: number } | { ok: false; seq: number; reason: string };

type SegmentRecord = NonNullable<ReturnType<typeof parseRecordLine>>;

/** The records of verified segments, oldest first. */
export function segmentRecords(segmentTexts: string[]): SegmentRecord[] {
  const out: SegmentRecord[] = [];
  for (const text of segmentTexts) {
    for (const line of text.split('\n').slice(1)) if (line.length > 0) out.push(parseRecordLine(line)!);
  }
  return out.sort((a, b) => a.record.seq - b.record.seq);
}

/** `rows` sorted by seq; `records` from `segmentRecords` of segments that passed `verifyChain`. */
export function verifyIndex(records: SegmentRecord[], rows: IndexRow[]): IndexCheck {
  let i = 0;
  for (const { hash, record, text } of records) {
    const row = rows[i];
    if (!row || row.seq > record.seq)
      return { ok: false, seq: record.seq, reason: 'the index has no row for this record' };
    if (row.seq < record.seq) return { ok: false, seq: row.seq, reason: 'the index has a row that no segment holds' };
    // Segments hold canonical text, so comparing it is enough; other bytes are re-serialised first.
    const canonical = text !== null && row.record === text ? text : canonicalJson(record as unknown as JsonValue);
    if (row.hash !== hash || row.record !== canonical) {
      return { ok: false, seq: record.seq, reason: 'the index row differs from the record in its segment (altered)' };
    }
    i++;
  }
  if (i < rows.length) return { ok: false, seq: rows[i].seq, reason: 'the index has a row that no segment holds' };
  return { ok: true, rows: rows.length };
}
