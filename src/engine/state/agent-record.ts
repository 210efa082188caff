/**
 * @module
 * What Tollgate remembers about one agent between decisions, as plain JSON so that any
 * `StateStore` can keep it. The record itself stays small and bounded by the policy (trust,
 * rate windows, ledgers, risk events, the breaker, the kill switch); what grows with use,
 * open decisions and idempotent replies, is kept in rows of its own (see `store.ts`).
 */

/** One UTC period's budget ledger: what was spent and what allowed requests reserved. */
export interface Ledger {
  period: string;
  spentUsd: number;
  spentTokens: number;
  reservedUsd: number;
  reservedTokens: number;
}

export interface AgentRecord {
  trust: number;
  /** Operator kill switch. */
  killed: boolean;
  /** The breaker's suspension, in epoch ms; 0 when not tripped. */
  suspendedUntil: number;
  /** Per rule id: times (epoch ms) of the requests its rate window allowed. */
  rates: Record<string, number[]>;
  day: Ledger;
  month: Ledger;
  /** (time, risk) of allowed requests, for rolling risk. */
  risk: [number, number][];
  /** Times of denials, for the breaker. */
  denials: number[];
  /** When open decisions and replies were last pruned (epoch ms). */
  prunedAt: number;
}

/** `YYYY-MM-DD` and `YYYY-MM` of a time, in UTC. */
export function periodKeys(now: number): { day: string; month: string } {
  const iso = new Date(now).toISOString();
  return { day: iso.slice(0, 10), month: iso.slice(0, 7) };
}

function emptyLedger(period: string): Ledger {
  return { period, spentUsd: 0, spentTokens: 0, reservedUsd: 0, reservedTokens: 0 };
}

export function newAgentRecord(trust: number, now: number): AgentRecord {
  const { day, month } = periodKeys(now);
  return { trust, killed: false, suspendedUntil: 0, rates: {}, day: emptyLedger(day), month: emptyLedger(month), risk: [], denials: [], prunedAt: now };
}

/** Starts new ledgers when the UTC day or month has turned. */
export function rollPeriods(record: AgentRecord, now: number): void {
  const { day, month } = periodKeys(now);
  if (record.day.period !== day) record.day = emptyLedger(day);
  if (record.month.period !== month) record.month = emptyLedger(month);
}
