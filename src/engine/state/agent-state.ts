/**
 * @module
 * What Tollgate remembers about one agent between decisions, as plain JSON so that any
 * `StateStore` can keep it: trust, rate windows, budget ledgers, risk events, the
 * breaker, the operator's kill switch and idempotent replies.
 */

/** One UTC period's budget ledger: what was spent and what allowed requests reserved. */
export interface Ledger {
  period: string;
  spentUsd: number;
  spentTokens: number;
  reservedUsd: number;
  reservedTokens: number;
}

/** Budget reserved by one allowed request, until its outcome settles it. */
export interface Reservation {
  id: number;
  usd: number;
  tokens: number;
  day: string;
  month: string;
}

export interface AgentState {
  trust: number;
  /** Operator kill switch. */
  killed: boolean;
  /** The breaker's suspension, in epoch ms; 0 when not tripped. */
  suspendedUntil: number;
  /** Per rule id: times (epoch ms) of the requests its rate window allowed. */
  rates: Record<string, number[]>;
  day: Ledger;
  month: Ledger;
  reservations: Reservation[];
  nextReservation: number;
  /** (time, risk) of allowed requests, for rolling risk. */
  risk: [number, number][];
  /** Times of denials, for the breaker. */
  denials: number[];
  /** Replies by idempotency key, with the time they were made. */
  replies: Record<string, { at: number; reply: unknown }>;
}

/** `YYYY-MM-DD` and `YYYY-MM` of a time, in UTC. */
export function periodKeys(now: number): { day: string; month: string } {
  const iso = new Date(now).toISOString();
  return { day: iso.slice(0, 10), month: iso.slice(0, 7) };
}

function emptyLedger(period: string): Ledger {
  return { period, spentUsd: 0, spentTokens: 0, reservedUsd: 0, reservedTokens: 0 };
}

export function newAgentState(trust: number, now: number): AgentState {
  const { day, month } = periodKeys(now);
  return {
    trust,
    killed: false,
    suspendedUntil: 0,
    rates: {},
    day: emptyLedger(day),
    month: emptyLedger(month),
    reservations: [],
    nextReservation: 1,
    risk: [],
    denials: [],
    replies: {},
  };
}

/** Starts new ledgers when the UTC day or month has turned. */
export function rollPeriods(state: AgentState, now: number): void {
  const { day, month } = periodKeys(now);
  if (state.day.period !== day) state.day = emptyLedger(day);
  if (state.month.period !== month) state.month = emptyLedger(month);
}
