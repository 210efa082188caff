/**
 * @module
 * The agents inventory in D1 (`agents`), written with each flushed batch of an agent's
 * audit records, in the same D1 `batch()` as its index rows: the counts come from the
 * batch's own records, the rest from the agent's state as the flush saw it. A batch applies
 * only if it goes past the row's `through_seq`, so a retried batch counts once, and agents
 * flushing at once each write only their own row.
 */
import type { AgentView } from '../../engine/state/agent-view.js';
import type { AuditBatch } from './log.js';

/** What the flush reads of the agent's state for its row. */
export interface InventorySnapshot {
  trust: number;
  suspended: boolean;
  /** The agent's first USD budget (agent-wide first), if it has one. */
  budget: { used: number; limit: number; per: 'day' | 'month' } | null;
}

export function inventorySnapshot(view: AgentView): InventorySnapshot {
  const usd = view.budgets
    .filter((b) => b.unit === 'usd')
    .sort((a, b) => (a.rule === null ? -1 : b.rule === null ? 1 : 0));
  const first = usd[0];
  return {
    trust: view.trust,
    suspended: view.suspended,
    budget: first ? { used: first.used, limit: first.limit, per: first.per } : null,
  };
}

/** One agent as the inventory lists it. */
export interface InventoryRow {
  agent: string;
  first_seen: string;
  last_seen: string;
  decisions: number;
  denies: number;
  approvals: number;
  trust: number;
  suspended: boolean;
  spend_usd: number | null;
  budget_usd: number | null;
  budget_per: 'day' | 'month' | null;
}

/** The statement that folds `batch` into the agent's row. */
export function inventoryStatement(
  db: D1Database,
  batch: AuditBatch,
  snapshot: InventorySnapshot,
): D1PreparedStatement {
  const records = batch.records.map((r) => r.record);
  const decisions = records.filter((r) => r.kind === 'decision');
  const count = (decision: string) => decisions.filter((r) => r.decision === decision).length;
  return db
    .prepare(
      `INSERT INTO agents (tenant, agent, first_seen, last_seen, decisions, denies, approvals, trust, suspended, spend_usd, budget_usd, budget_per, through_seq)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
       ON CONFLICT (tenant, agent) DO UPDATE SET
         last_seen = excluded.last_seen, decisions = decisions + excluded.decisions,
         denies = denies + excluded.denies, approvals = approvals + excluded.approvals,
         trust = excluded.trust, suspended = excluded.suspended, spend_usd = excluded.spend_usd,
         budget_usd = excluded.budget_usd, budget_per = excluded.budget_per, through_seq = excluded.through_seq
       WHERE excluded.through_seq > agents.through_seq`,
    )
    .bind(
      batch.tenant,
      batch.agent,
      records[0].time,
      records.at(-1)!.time,
      decisions.length,
      count('deny'),
      count('require_approval'),
      snapshot.trust,
      snapshot.suspended ? 1 : 0,
      snapshot.budget?.used ?? null,
      snapshot.budget?.limit ?? null,
      snapshot.budget?.per ?? null,
      records.at(-1)!.seq,
    );
}
