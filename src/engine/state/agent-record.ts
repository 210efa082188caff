/**
 * @module
 * What Tollgate remembers about one agent between decisions, as plain JSON so that any
 * `StateStore` can keep it. The record itself stays small and bounded by the policy (trust,
 * rate windows, ledgers, risk events, the breaker, the kill switch); what grows with use,
 * open decisions and idempotent replies, is kept in rows of its own (see `store.ts`).
 */

/** One UTC period's budget ledger: what was spent and what allowed requests reserved. Money in integer micro-dollars. */
export interface Ledger {
  period: string;
  spentMicros: number;
  spentTokens: number;
  reservedMicros: number;
  reservedTokens: number;
}

/** A day's and a month's ledger. */
export interface Ledgers {
  day: Ledger;
  month: Ledger;
}

export interface AgentRecord {
  trust: number;
  /** Operator kill switch. */
  killed: boolean;
  /** The breaker's suspension, in epoch ms; 0 when not tripped. */
  suspendedUntil: number;
  /** Per rule id: times (epoch ms) of the requests its rate window allowed. */
  rates: Record<string, number[]>;
  /** The agent-wide ledgers, for `budgets:`. */
  day: Ledger;
  month: Ledger;
  /** Per rule id: that rule's own ledgers (agent × rule), for its spend and token limits. */
  ruleLedgers: Record<string, Ledgers>;
  /** (time, risk) of allowed requests, for rolling risk. */
  risk: [number, number][];
  /** Times of denials, for the breaker. */
  denials: number[];
  /** When open decisions and replies were last pruned (epoch ms). */
  prunedAt: number;
}

const DAY_MS = 86_400_000;
/** The UTC day last asked for: every decision asks, and the answer changes once a day. */
let lastDay = { start: 0, keys: { day: '1970-01-01', month: '1970-01' } };

/** `YYYY-MM-DD` and `YYYY-MM` of a time, in UTC. */
export function periodKeys(now: number): { day: string; month: string } {
  if (now >= lastDay.start && now < lastDay.start + DAY_MS) return lastDay.keys;
  const iso = new Date(now).toISOString();
  const keys = { day: iso.slice(0, 10), month: iso.slice(0, 7) };
  if (Number.isFinite(now)) lastDay = { start: now - (((now % DAY_MS) + DAY_MS) % DAY_MS), keys };
  return keys;
}

function emptyLedger(period: string): Ledger {
  return { period, spentMicros: 0, spentTokens: 0, reservedMicros: 0, reservedTokens: 0 };
}

/** Fresh ledgers for the current day and month. */
export function newLedgers(now: number): Ledgers {
  const { day, month } = periodKeys(now);
  return { day: emptyLedger(day), month: emptyLedger(month) };
}

export function newAgentRecord(trust: number, now: number): AgentRecord {
  const { day, month } = periodKeys(now);
  return {
    trust,
    killed: false,
    suspendedUntil: 0,
    rates: {},
    day: emptyLedger(day),
    month: emptyLedger(month),
    ruleLedgers: {},
    risk: [],
    denials: [],
    prunedAt: now,
  };
}

/** Starts new ledgers when the UTC day or month has turned. */
export function rollPeriods(record: AgentRecord, now: number): void {
  const { day, month } = periodKeys(now);
  // Every ledger rolls with the agent-wide ones, and new ones start current: when those are
  // current, all are (the common case, checked without touching the rules' ledgers).
  const current = record.day.period === day && record.month.period === month;
  if (current && record.ruleLedgers && record.day.spentMicros !== undefined) return;
  // Records written before ledgers were per rule and in micro-dollars start afresh.
  record.ruleLedgers ??= {};
  for (const ledgers of [record, ...Object.values(record.ruleLedgers)]) {
    if (ledgers.day.period !== day || ledgers.day.spentMicros === undefined) ledgers.day = emptyLedger(day);
    if (ledgers.month.period !== month || ledgers.month.spentMicros === undefined) ledgers.month = emptyLedger(month);
  }
}
