/**
 * @module
 * Writing one batch of audit records out of the Durable Object: the NDJSON segment to R2
 * (only if its key is absent), its signed checkpoint both in the segment's metadata and as
 * a separate object, then the index rows in one D1 `batch()`. Every step is idempotent:
 * the same batch always makes the same bytes (Ed25519 signatures are deterministic), so a
 * retry after a failure anywhere rewrites nothing and duplicates nothing.
 */
import type { JWK } from 'jose';
import { canonicalJson, type JsonValue } from '../../lib/json.js';
import { segmentKey, writeSegment } from '../../audit/segment.js';
import { inventoryStatement, type InventorySnapshot } from './inventory.js';
import type { AuditBatch, AuditLog } from './log.js';

/** Where flushed records go. */
export interface AuditSinks {
  bucket: R2Bucket;
  db: D1Database;
  /** The private Ed25519 JWK that signs checkpoints. */
  key: JWK;
}

/** The key of a segment's separate checkpoint object. */
export function checkpointKey(segment: string): string {
  return segment.replace(/^audit\//, 'audit-checkpoints/').replace(/\.ndjson$/, '.jws');
}

/**
 * Writes `body` under `key` unless something is there already. If it is, an earlier
 * attempt at this batch wrote it, so it must say the same (`same`): an earlier version of
 * Tollgate may have written the same records in other bytes, or signed with another key.
 */
async function putIfAbsent(
  bucket: R2Bucket,
  key: string,
  body: string,
  options: R2PutOptions,
  same: (existing: string) => boolean,
): Promise<void> {
  const written = await bucket.put(key, body, { ...options, onlyIf: { etagDoesNotMatch: '*' } });
  if (written !== null) return;
  const existing = await (await bucket.get(key))?.text();
  if (existing === undefined || (existing !== body && !same(existing)))
    throw new Error(`audit object ${key} exists with other content`);
}

/** Segments with the same range and head hash hold the same records: the chain binds every one. */
function sameRange(a: string, b: string): boolean {
  const header = (text: string) => {
    try {
      const h = JSON.parse(text.slice(0, text.indexOf('\n'))) as Record<string, unknown>;
      return JSON.stringify([h.tenant, h.agent, h.first_seq, h.last_seq, h.prev_hash, h.head_hash]);
    } catch {
      return null;
    }
  };
  return header(a) !== null && header(a) === header(b);
}

/** Checkpoints that sign the same range (whatever the key): the JWS payloads are equal. */
const samePayload = (a: string, b: string) => a.split('.')[1] === b.split('.')[1];

/** R2 keeps at most 2 KiB of custom metadata: a checkpoint past this (a long agent id signs into it) is named by its object instead. */
const MAX_METADATA_CHECKPOINT = 1500;

function checkpointMetadata(segmentKey: string, checkpoint: string): Record<string, string> {
  return checkpoint.length <= MAX_METADATA_CHECKPOINT
    ? { checkpoint }
    : { checkpoint_object: checkpointKey(segmentKey) };
}

/** The agent's state for its inventory row, read when its batch is flushed. */
export type SnapshotReader = (who: { tenant: string; agent: string }) => InventorySnapshot;

export async function flushBatch(batch: AuditBatch, sinks: AuditSinks, snapshot: SnapshotReader): Promise<void> {
  const segment = await writeSegment(batch.tenant, batch.agent, batch.prevHash, batch.records, sinks.key);
  const { checkpoint, ...range } = segment.header;
  await Promise.all([
    putIfAbsent(
      sinks.bucket,
      segment.key,
      segment.text,
      {
        httpMetadata: { contentType: 'application/x-ndjson' },
        customMetadata: {
          ...checkpointMetadata(segment.key, checkpoint),
          first_seq: String(range.first_seq),
          last_seq: String(range.last_seq),
          head_hash: range.head_hash,
        },
      },
      (existing) => sameRange(existing, segment.text),
    ),
    putIfAbsent(
      sinks.bucket,
      checkpointKey(segment.key),
      checkpoint,
      { httpMetadata: { contentType: 'application/jose' } },
      (existing) => samePayload(existing, checkpoint),
    ),
  ]);
  // One statement for the whole batch, its rows as one JSON parameter: D1 caps bound
  // parameters per statement, and a statement per row costs more than the rows themselves.
  const str = (v: JsonValue | undefined) => (typeof v === 'string' ? v : null);
  const rows = batch.records.map(({ record, hash, text }) => ({
    seq: record.seq,
    time: record.time,
    kind: record.kind,
    action: str(record.action),
    resource: str(record.resource),
    decision: str(record.decision),
    code: str(record.code),
    rules: JSON.stringify(Array.isArray(record.rules) ? record.rules : []),
    hash,
    record: text ?? canonicalJson(record as JsonValue),
  }));
  const column = (name: string) => `json_extract(value, '$.${name}')`;
  await sinks.db.batch([
    sinks.db
      .prepare(
        `INSERT OR IGNORE INTO audit_records (tenant, agent, seq, time, kind, action, resource, decision, code, rules, hash, segment, record)
         SELECT ?1, ?2, ${['seq', 'time', 'kind', 'action', 'resource', 'decision', 'code', 'rules', 'hash'].map(column).join(', ')}, ?3, ${column('record')} FROM json_each(?4)`,
      )
      .bind(batch.tenant, batch.agent, segment.key, JSON.stringify(rows)),
    sinks.db
      .prepare(
        'INSERT OR IGNORE INTO audit_segments (tenant, agent, first_seq, last_seq, key, prev_hash, head_hash, checkpoint) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .bind(
        range.tenant,
        range.agent,
        range.first_seq,
        range.last_seq,
        segmentKey(range),
        range.prev_hash,
        range.head_hash,
        checkpoint,
      ),
    inventoryStatement(sinks.db, batch, snapshot(batch)),
  ]);
}

/**
 * Record text per segment, at most: the batch's D1 rows go as one JSON parameter, which must
 * stay under D1's 2 MB value limit. A larger record (a 64 KiB body can't make one past
 * about 1.3 MB, digests included) is flushed in a segment of its own.
 */
export const SEGMENT_BYTES = 900_000;

/** Flushes every pending record, a segment of at most `perSegment` records at a time; throws (keeping the rest pending) on the first failure. */
export async function flushPending(
  log: AuditLog,
  sinks: AuditSinks | null,
  perSegment: number,
  snapshot: SnapshotReader,
): Promise<void> {
  if (!sinks) throw new Error('AUDIT_SIGNING_JWK is not configured');
  for (let batch = log.nextBatch(perSegment, SEGMENT_BYTES); batch; batch = log.nextBatch(perSegment, SEGMENT_BYTES)) {
    await flushBatch(batch, sinks, snapshot);
    log.flushedBatch(batch);
  }
}
