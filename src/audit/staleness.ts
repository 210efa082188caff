/**
 * @module
 * Records that wait too long in an agent's object are a finding of their own: a chain whose
 * flush keeps failing is not `ok`, even when every hash checks out.
 */
import type { ChainedRecord } from './chain.js';

/** Records unflushed for longer than this make verification report `stale`. */
export const STALE_AFTER_MS = 10 * 60_000;

/** What is still pending in an agent's object: how many, and the oldest, if any. */
export interface PendingSummary {
  count: number;
  oldest: { seq: number; time: string } | null;
}

/** The summary of the records still pending (`flushedSeq` and before are in flight and already in R2). */
export function pendingSummary(pending: ChainedRecord[], flushedSeq: number): PendingSummary {
  const waiting = pending.filter((p) => p.record.seq > flushedSeq);
  const first = waiting[0]?.record;
  return { count: waiting.length, oldest: first ? { seq: first.seq, time: first.time } : null };
}

/** Why the pending records are stale at `now`, or null when none has waited past the bound. */
export function staleness(summary: PendingSummary, now: number): string | null {
  if (!summary.oldest || now - Date.parse(summary.oldest.time) <= STALE_AFTER_MS) return null;
  const minutes = Math.floor((now - Date.parse(summary.oldest.time)) / 60_000);
  return `${summary.count} records have waited to be flushed for ${minutes} minutes (more than ${STALE_AFTER_MS / 60_000}), the oldest seq ${summary.oldest.seq} since ${summary.oldest.time}`;
}
