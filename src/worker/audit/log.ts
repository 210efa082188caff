/**
 * @module
 * The tail of one agent's audit chain, in its Durable Object's SQLite storage. Appending is
 * synchronous, so a record commits in the same step as the state change it describes.
 * Records stay here until a flush has written them to R2 and D1; the batch being flushed
 * is pinned (`flight_*`), so a retry after any failure writes exactly the same segment.
 */
import {
  chainHashOfText,
  GENESIS_HASH,
  type AuditKind,
  type AuditRecord,
  type ChainedRecord,
} from '../../audit/chain.js';
import { canonicalJson, type JsonValue } from '../../lib/json.js';

/** One flush: consecutive records after `prevHash`. */
export interface AuditBatch {
  tenant: string;
  agent: string;
  prevHash: string;
  records: ChainedRecord[];
}

interface Meta {
  tenant: string;
  agent: string;
  flushed_seq: number;
  flushed_hash: string;
  /** The last seq of the batch being flushed; 0 when none is. */
  flight_last: number;
  policy_hash: string | null;
}

export class AuditLog {
  private meta: Meta | null;
  /** The last record appended: kept in memory, and found again on load as the newest pending record (or the flushed head). */
  private last: { seq: number; hash: string };

  constructor(
    private readonly sql: SqlStorage,
    private readonly clock: () => number = Date.now,
  ) {
    sql.exec(
      'CREATE TABLE IF NOT EXISTS audit_pending (seq INTEGER PRIMARY KEY, hash TEXT NOT NULL, record TEXT NOT NULL)',
    );
    sql.exec(`CREATE TABLE IF NOT EXISTS audit_meta (id INTEGER PRIMARY KEY CHECK (id = 1), tenant TEXT NOT NULL, agent TEXT NOT NULL,
      flushed_seq INTEGER NOT NULL, flushed_hash TEXT NOT NULL, flight_last INTEGER NOT NULL, policy_hash TEXT)`);
    this.meta = null;
    this.last = { seq: 0, hash: GENESIS_HASH };
    this.reload();
  }

  /** Reads the log's position from storage (at start, and after a transaction that rolled back). */
  reload(): void {
    this.meta =
      this.sql.exec<Meta & Record<string, SqlStorageValue>>('SELECT * FROM audit_meta WHERE id = 1').toArray()[0] ??
      null;
    this.last =
      this.sql
        .exec<{ seq: number; hash: string }>('SELECT seq, hash FROM audit_pending ORDER BY seq DESC LIMIT 1')
        .toArray()[0] ?? this.flushed;
  }

  /** Written only when the agent is first seen, the policy changes, or a flush starts or ends: not per record. */
  private save(meta: Meta): void {
    this.sql.exec(
      `INSERT INTO audit_meta (id, tenant, agent, flushed_seq, flushed_hash, flight_last, policy_hash) VALUES (1, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET flushed_seq = excluded.flushed_seq, flushed_hash = excluded.flushed_hash, flight_last = excluded.flight_last, policy_hash = excluded.policy_hash`,
      meta.tenant,
      meta.agent,
      meta.flushed_seq,
      meta.flushed_hash,
      meta.flight_last,
      meta.policy_hash,
    );
    this.meta = meta;
  }

  /** Whose chain this is, once it has a record. */
  get owner(): { tenant: string; agent: string } | null {
    return this.meta ? { tenant: this.meta.tenant, agent: this.meta.agent } : null;
  }

  /** The chain's head: the last record appended. */
  get head(): { seq: number; hash: string } {
    return { ...this.last };
  }

  /** The last record that reached R2 and D1. */
  get flushed(): { seq: number; hash: string } {
    return { seq: this.meta?.flushed_seq ?? 0, hash: this.meta?.flushed_hash ?? GENESIS_HASH };
  }

  get hasPending(): boolean {
    return this.head.seq > this.flushed.seq;
  }

  /**
   * Appends one record, synchronously. A first record under a new policy is preceded by a
   * `bundle_change` record naming the policy before and after.
   */
  append(
    who: { tenant: string; agent: string },
    kind: AuditKind,
    fields: { [key: string]: JsonValue },
    policyHash: string,
  ): { seq: number; hash: string } {
    if (!this.meta || this.meta.policy_hash !== policyHash) {
      const meta: Meta = this.meta ?? {
        ...who,
        flushed_seq: 0,
        flushed_hash: GENESIS_HASH,
        flight_last: 0,
        policy_hash: null,
      };
      if (meta.policy_hash !== null) this.write(meta, 'bundle_change', { from: meta.policy_hash, to: policyHash });
      this.save({ ...meta, policy_hash: policyHash });
    }
    return this.write(this.meta!, kind, fields);
  }

  private write(meta: Meta, kind: AuditKind, fields: { [key: string]: JsonValue }): { seq: number; hash: string } {
    const record = {
      ...fields,
      seq: this.last.seq + 1,
      time: new Date(this.clock()).toISOString(),
      tenant: meta.tenant,
      agent: meta.agent,
      kind,
    } as AuditRecord;
    // Serialised once: the canonical text is what the chain hashes, what is kept here, and what the flush writes.
    const text = canonicalJson(record as JsonValue);
    const hash = chainHashOfText(this.last.hash, text);
    this.sql.exec('INSERT INTO audit_pending (seq, hash, record) VALUES (?, ?, ?)', record.seq, hash, text);
    this.last = { seq: record.seq, hash };
    return { seq: record.seq, hash };
  }

  /** Records not yet flushed, oldest first (those of a batch in flight included). */
  pending(limit = 10_000): ChainedRecord[] {
    return this.sql
      .exec<{ hash: string; record: string }>('SELECT hash, record FROM audit_pending ORDER BY seq LIMIT ?', limit)
      .toArray()
      .map((r) => ({ hash: r.hash, record: JSON.parse(r.record) as AuditRecord }));
  }

  /**
   * The next batch to flush: the pinned one if a flush of it was started, so that a retry
   * writes the same segment under the same key; otherwise at most `max` records and
   * `maxBytes` of record text, or one record alone when it is larger than that.
   */
  nextBatch(max: number, maxBytes: number): AuditBatch | null {
    const meta = this.meta;
    if (!meta || this.last.seq === meta.flushed_seq) return null;
    if (meta.flight_last === 0) this.save({ ...meta, flight_last: this.batchEnd(meta.flushed_seq, max, maxBytes) });
    const records = this.sql
      .exec<{ hash: string; record: string }>(
        'SELECT hash, record FROM audit_pending WHERE seq <= ? ORDER BY seq',
        this.meta!.flight_last,
      )
      .toArray()
      .map((r) => ({ hash: r.hash, record: JSON.parse(r.record) as AuditRecord, text: r.record }));
    return { tenant: meta.tenant, agent: meta.agent, prevHash: meta.flushed_hash, records };
  }

  /** The last seq of a batch after `flushedSeq` that fits `max` records and `maxBytes` (at least one record). */
  private batchEnd(flushedSeq: number, max: number, maxBytes: number): number {
    const sizes = this.sql
      .exec<{ seq: number; bytes: number }>(
        'SELECT seq, length(CAST(record AS BLOB)) AS bytes FROM audit_pending WHERE seq > ? ORDER BY seq LIMIT ?',
        flushedSeq,
        max,
      )
      .toArray();
    let end = sizes[0].seq;
    let bytes = sizes[0].bytes;
    for (const row of sizes.slice(1)) {
      if ((bytes += row.bytes) > maxBytes) break;
      end = row.seq;
    }
    return end;
  }

  /** The batch reached R2 and D1: its records leave the object. */
  flushedBatch(batch: AuditBatch): void {
    const last = batch.records[batch.records.length - 1];
    this.sql.exec('DELETE FROM audit_pending WHERE seq <= ?', last.record.seq);
    this.save({ ...this.meta!, flushed_seq: last.record.seq, flushed_hash: last.hash, flight_last: 0 });
  }
}
