/**
 * @module
 * The tenant's decisions over the last minutes, for the overview (`GET /v1/audit/summary`):
 * how many per minute by decision, and the denies by code. Counted in the audit index, so
 * records not yet flushed (at most about 10 s of them) are left out.
 */
import { ApiError } from '../errors.js';

export interface MinuteCounts {
  /** `YYYY-MM-DDTHH:MM`, UTC. */
  minute: string;
  allow: number;
  deny: number;
  require_approval: number;
}

export interface AuditSummary {
  from: string;
  until: string;
  per_minute: MinuteCounts[];
  denies_by_code: { code: string; count: number }[];
}

export const MAX_SUMMARY_MINUTES = 24 * 60;

export async function auditSummary(
  db: D1Database,
  tenant: string,
  now: number,
  minutes: number,
): Promise<AuditSummary> {
  const firstMinute = Math.floor(now / 60_000) - minutes + 1;
  const from = new Date(firstMinute * 60_000).toISOString();
  let byMinute: { minute: string; decision: string; n: number }[];
  let byCode: { code: string; count: number }[];
  try {
    [{ results: byMinute }, { results: byCode }] = await Promise.all([
      db
        .prepare(
          `SELECT substr(time, 1, 16) AS minute, decision, COUNT(*) AS n FROM audit_records
           WHERE tenant = ? AND time >= ? AND kind = 'decision' GROUP BY minute, decision`,
        )
        .bind(tenant, from)
        .all<{ minute: string; decision: string; n: number }>(),
      db
        .prepare(
          `SELECT code, COUNT(*) AS count FROM audit_records
           WHERE tenant = ? AND time >= ? AND kind = 'decision' AND decision = 'deny'
           GROUP BY code ORDER BY count DESC, code`,
        )
        .bind(tenant, from)
        .all<{ code: string; count: number }>(),
    ]);
  } catch (err) {
    throw new ApiError('unavailable', 'the audit index is unavailable', { retryAfterSeconds: 5, cause: err });
  }
  const perMinute: MinuteCounts[] = Array.from({ length: minutes }, (_, i) => ({
    minute: new Date((firstMinute + i) * 60_000).toISOString().slice(0, 16),
    allow: 0,
    deny: 0,
    require_approval: 0,
  }));
  const at = new Map(perMinute.map((m) => [m.minute, m]));
  for (const row of byMinute) {
    const slot = at.get(row.minute);
    if (slot && (row.decision === 'allow' || row.decision === 'deny' || row.decision === 'require_approval'))
      slot[row.decision] += row.n;
  }
  return { from, until: new Date(now).toISOString(), per_minute: perMinute, denies_by_code: byCode };
}
