/**
 * @module
 * What each shadowed rule would have flipped: the tenant's decisions, in the last hour and
 * the last day, whose answer the rule's shadow verdict would have changed (a decision audited
 * with `shadow.decision` other than its own, naming the rule in `shadow.rules`). Counted in
 * the audit index, so records not yet flushed (at most about 10 s of them) are left out.
 */
import { ApiError } from '../errors.js';
import { policyHash, policyInfo } from '../policy-source.js';

const HOUR_MS = 3_600_000;

export interface ShadowFlips {
  policy: { hash: string };
  /** The window ends (ISO 8601). */
  until: string;
  rules: { id: string; flips: { hour: number; day: number } }[];
}

export async function shadowFlips(db: D1Database, tenant: string, now: number): Promise<ShadowFlips> {
  const shadowed = policyInfo.rules.filter((r) => (r.mode ?? policyInfo.mode) === 'shadow').map((r) => r.id);
  const hourAgo = new Date(now - HOUR_MS).toISOString();
  const dayAgo = new Date(now - 24 * HOUR_MS).toISOString();
  let rows: { rule: string; hour: number; day: number }[] = [];
  if (shadowed.length > 0) {
    try {
      ({ results: rows } = await db
        .prepare(
          `SELECT j.value AS rule, SUM(r.time >= ?2) AS hour, COUNT(*) AS day
           FROM audit_records AS r, json_each(json_extract(r.record, '$.shadow.rules')) AS j
           WHERE r.tenant = ?1 AND r.time >= ?3 AND r.kind = 'decision'
             AND json_extract(r.record, '$.shadow.decision') != r.decision
           GROUP BY j.value`,
        )
        .bind(tenant, hourAgo, dayAgo)
        .all<{ rule: string; hour: number; day: number }>());
    } catch (err) {
      throw new ApiError('unavailable', 'the audit index is unavailable', { retryAfterSeconds: 5, cause: err });
    }
  }
  const counted = new Map(rows.map((r) => [r.rule, r]));
  return {
    policy: { hash: policyHash },
    until: new Date(now).toISOString(),
    rules: shadowed.map((id) => ({
      id,
      flips: { hour: counted.get(id)?.hour ?? 0, day: counted.get(id)?.day ?? 0 },
    })),
  };
}
