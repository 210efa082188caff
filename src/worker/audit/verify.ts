/**
 * @module
 * Verifying one agent's audit at the edge: the R2 segments (hashes, seq, signed
 * checkpoints, and the separate checkpoint objects), the D1 index against them, and the
 * records still in the Durable Object continuing the chain to its head.
 */
import { chainHash, type ChainedRecord } from '../../audit/chain.js';
import { segmentRecords, verifyIndex, type IndexRow } from '../../audit/index-check.js';
import { segmentPrefix } from '../../audit/segment.js';
import { pendingSummary, staleness } from '../../audit/staleness.js';
import { verifyChain } from '../../audit/verify.js';
import { auditTail } from '../agents.js';
import { checkpointKey } from './flush.js';
import type { Env } from '../env.js';
import { publicJwks } from '../keys.js';

export type AuditVerdict =
  | {
      ok: true;
      agent: string;
      records: number;
      segments: number;
      indexed: number;
      pending: number;
      head: { seq: number; hash: string };
    }
  | { ok: false; agent: string; seq: number; reason: string }
  /** Every hash checks out, but records have waited past the bound to be flushed. */
  | {
      ok: false;
      stale: true;
      agent: string;
      seq: number;
      reason: string;
      records: number;
      indexed: number;
      pending: number;
    };

async function segmentTexts(bucket: R2Bucket, prefix: string): Promise<{ key: string; text: string }[]> {
  const out: { key: string; text: string }[] = [];
  let cursor: string | undefined;
  do {
    const listing = await bucket.list({ prefix, cursor });
    for (const object of listing.objects) {
      const body = await bucket.get(object.key);
      if (body) out.push({ key: object.key, text: await body.text() });
    }
    cursor = listing.truncated ? listing.cursor : undefined;
  } while (cursor);
  return out;
}

/** The pending records continue the chain from `from` to the head, with no gap. */
function checkPending(
  pending: ChainedRecord[],
  from: { seq: number; hash: string },
): { seq: number; reason: string } | null {
  let prev = from;
  for (const { record, hash } of pending) {
    if (record.seq <= prev.seq) continue; // in flight, and already verified in its segment
    if (record.seq !== prev.seq + 1)
      return { seq: prev.seq + 1, reason: 'records are missing between the segments and the pending tail' };
    if (chainHash(prev.hash, record) !== hash)
      return { seq: record.seq, reason: 'a pending record does not match its hash (altered)' };
    prev = { seq: record.seq, hash };
  }
  return null;
}

export async function verifyAgentAudit(env: Env, tenant: string, agent: string): Promise<AuditVerdict> {
  const fail = (seq: number, reason: string): AuditVerdict => ({ ok: false, agent, seq, reason });
  const tail = await auditTail(env, tenant, agent);
  const segments = await segmentTexts(env.AUDIT_BUCKET, segmentPrefix(tenant, agent));
  const chain = await verifyChain(
    segments.map((s) => s.text),
    publicJwks(env),
  );
  if (!chain.ok) return fail(chain.seq, chain.reason);
  // A segment whose flush has not finished may already be in R2: the chain may run past the flushed head, never short of it.
  if (chain.head.seq < tail.flushed.seq)
    return fail(
      chain.head.seq + 1,
      `the segments end at seq ${chain.head.seq} but ${tail.flushed.seq} were flushed (truncated)`,
    );
  const inFlight = tail.pending.find((p) => p.record.seq === chain.head.seq);
  if (chain.head.seq > tail.flushed.seq && inFlight?.hash !== chain.head.hash)
    return fail(chain.head.seq, 'the last segment is not the chain the agent holds');
  if (chain.head.seq === tail.flushed.seq && chain.head.hash !== tail.flushed.hash)
    return fail(chain.head.seq, 'the last segment is not the chain the agent holds');

  for (const { key, text } of segments) {
    const header = JSON.parse(text.slice(0, text.indexOf('\n'))) as { first_seq: number; checkpoint: string };
    // The separate object is a copy: it must vouch for the same range (it may carry another valid signature).
    const stored = await (await env.AUDIT_BUCKET.get(checkpointKey(key)))?.text();
    if (stored?.split('.')[1] !== header.checkpoint.split('.')[1])
      return fail(header.first_seq, 'the separate checkpoint object is missing or differs from the segment');
  }

  const records = segmentRecords(segments.map((s) => s.text)).filter((r) => r.record.seq <= tail.flushed.seq);
  const { results } = await env.AUDIT_DB.prepare(
    'SELECT seq, hash, record FROM audit_records WHERE tenant = ? AND agent = ? AND seq <= ? ORDER BY seq',
  )
    .bind(tenant, agent, tail.flushed.seq)
    .all<IndexRow>();
  const index = verifyIndex(records, results);
  if (!index.ok) return fail(index.seq, index.reason);

  const broken = checkPending(tail.pending, chain.head);
  if (broken) return fail(broken.seq, broken.reason);
  if (tail.head.seq !== Math.max(chain.head.seq, tail.pending.at(-1)?.record.seq ?? 0))
    return fail(tail.head.seq, 'the agent head is not reached by its records');
  const summary = pendingSummary(tail.pending, tail.flushed.seq);
  const stale = staleness(summary, Date.now());
  if (stale)
    return {
      ok: false,
      stale: true,
      agent,
      seq: summary.oldest!.seq,
      reason: stale,
      records: tail.head.seq,
      indexed: index.rows,
      pending: summary.count,
    };
  return {
    ok: true,
    agent,
    records: tail.head.seq,
    segments: segments.length,
    indexed: index.rows,
    pending: tail.head.seq - tail.flushed.seq,
    head: tail.head,
  };
}
