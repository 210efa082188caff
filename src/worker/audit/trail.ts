/**
 * @module
 * The audit side of an agent's Durable Object: appending records (synchronously, in the
 * caller's transaction), telling the tenant that records are waiting so tenant-wide
 * search finds them at once, and flushing them to R2 and D1 from the alarm, with backoff.
 */
import type { AuditKind, ChainedRecord } from '../../audit/chain.js';
import type { JsonValue } from '../../lib/json.js';
import type { Env } from '../env.js';
import { tenantStub } from '../tenant-object.js';
import { flushPending, type AuditSinks, type SnapshotReader } from './flush.js';
import { AuditLog } from './log.js';

/** The end of an agent's audit chain that is still in its Durable Object. */
export interface AuditTail {
  head: { seq: number; hash: string };
  flushed: { seq: number; hash: string };
  pending: ChainedRecord[];
}

/** Who an agent is, as its audit records name it. */
export type Who = { tenant: string; agent: string };

/**
 * Records reach R2 within this long of the first one pending. Waiting lets a busy agent's
 * records share a segment (a flush costs a signature, two R2 writes and a D1 batch), and
 * a random part of it keeps agents that started together from all flushing at once.
 */
const FLUSH_DELAY_MS = 10_000;
/** Records per segment, at most; a flush starts at once when this many are pending. */
const SEGMENT_RECORDS = 1000;
/** A failed flush is retried after 2, 4, 8 … seconds, at most this long. */
const MAX_RETRY_MS = 5 * 60_000;

export class AuditTrail {
  readonly log: AuditLog;
  private failures = 0;
  /** The tenant being told that this agent has unflushed records, if that is under way. */
  private announcing: Promise<void> | null = null;

  constructor(
    sql: SqlStorage,
    private readonly ctx: DurableObjectState,
    private readonly env: Env,
    /** Asks for the object's alarm by `at`. */
    private readonly wake: (at: number) => void,
  ) {
    this.log = new AuditLog(sql);
  }

  /** Appends a record (synchronously) and makes sure a flush will follow. */
  record(
    agent: Who,
    kind: AuditKind,
    fields: { [key: string]: JsonValue },
    policyHash: string,
  ): { seq: number; hash: string } {
    if (!this.log.hasPending) this.announce(agent, this.log.flushed.seq + 1);
    const written = this.log.append(agent, kind, fields, policyHash);
    // A failed flush keeps its backoff; otherwise flush soon, or at once when a segment is full.
    if (this.failures === 0)
      this.wake(
        Date.now() +
          (written.seq - this.log.flushed.seq >= SEGMENT_RECORDS ? 0 : FLUSH_DELAY_MS * (0.5 + Math.random() / 2)),
      );
    return written;
  }

  /**
   * Tells the tenant this agent has records waiting from `fromSeq` (when the first is
   * written, after the commit, and again after every failed flush), so a tenant-wide search
   * finds them before they reach D1, however long that takes. A failure to tell is retried
   * with the next flush.
   */
  private announce(agent: Who, fromSeq: number): void {
    const told = tenantStub(this.env, agent.tenant)
      .auditPending(agent.agent, fromSeq)
      .catch((err: Error) => console.error(`telling the tenant of pending audit records failed: ${err.message}`));
    this.announcing = told;
    this.ctx.waitUntil(told);
  }

  /** Tells the tenant everything through `throughSeq` was flushed. */
  private announceFlushed(agent: Who, throughSeq: number): void {
    const told = tenantStub(this.env, agent.tenant)
      .auditFlushed(agent.agent, throughSeq)
      .catch((err: Error) => console.error(`telling the tenant of flushed audit records failed: ${err.message}`));
    this.ctx.waitUntil(told);
  }

  /** Waits for a pending announcement, so that once a decision is answered, a search can find it. */
  async announced(): Promise<void> {
    const told = this.announcing;
    this.announcing = null;
    await told;
  }

  tail(): AuditTail {
    return { head: this.log.head, flushed: this.log.flushed, pending: this.log.pending() };
  }

  /** When the next flush is due, if records are waiting. */
  nextDue(): number | null {
    if (!this.log.hasPending) return null;
    return Date.now() + (this.failures > 0 ? Math.min(1000 * 2 ** this.failures, MAX_RETRY_MS) : FLUSH_DELAY_MS / 2);
  }

  /** Flushes what is pending; a failure is logged and retried later with backoff, never thrown. */
  async flush(sinks: AuditSinks | null, snapshot: SnapshotReader): Promise<void> {
    const owner = this.log.owner;
    if (!owner) return;
    const before = this.log.flushed.seq;
    try {
      await flushPending(this.log, sinks, SEGMENT_RECORDS, snapshot);
      this.failures = 0;
      if (this.log.flushed.seq > before && !this.log.hasPending) this.announceFlushed(owner, this.log.flushed.seq);
    } catch (err) {
      this.failures++;
      this.announce(owner, this.log.flushed.seq + 1);
      const delay = Math.min(1000 * 2 ** this.failures, MAX_RETRY_MS);
      console.error(
        `audit flush failed (attempt ${this.failures}); records stay in the agent's object and the flush is retried in ${delay} ms: ${(err as Error).message}`,
      );
    }
  }
}
