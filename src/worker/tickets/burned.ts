/**
 * @module
 * Burned ticket ids, in the agent's Durable Object: a ticket redeems once, and never again
 * whatever the clock says. A burn is kept until well past the ticket's expiry (plus the
 * clock skew any verifier may allow), and the object refuses a ticket at or past its
 * expiry by its own clock, so no redemption can slip between an expiry check elsewhere
 * and a burn forgotten here. Each burn remembers the decision and the executor, which is
 * who may report that decision's outcome.
 */

/** How long past a ticket's expiry its burn is kept: longer than any clock skew a verifier allows. */
export const BURN_RETENTION_MS = 10 * 60_000;

export type BurnResult = 'redeemed' | 'replay' | 'expired';

export interface BurnableTicket {
  jti: string;
  /** Expiry, in epoch seconds (the JWT's `exp`). */
  exp: number;
  /** The decision the ticket was issued for. */
  decision: string;
}

export class BurnedTickets {
  constructor(
    private readonly sql: SqlStorage,
    private readonly clock: () => number = Date.now,
  ) {
    sql.exec(
      'CREATE TABLE IF NOT EXISTS burned_tickets (jti TEXT PRIMARY KEY, expires_at INTEGER NOT NULL, decision TEXT, executor TEXT)',
    );
    sql.exec('CREATE INDEX IF NOT EXISTS burned_tickets_decision ON burned_tickets (decision)');
  }

  /**
   * Burns a ticket's `jti`, synchronously: `redeemed` the first time, `replay` on every
   * later try, `expired` at or past its expiry.
   * INVARIANT: once a jti is burned, no call returns `redeemed` for it again.
   */
  burn(ticket: BurnableTicket, executor: string): BurnResult {
    const now = this.clock();
    this.sql.exec('DELETE FROM burned_tickets WHERE expires_at < ?', now - BURN_RETENTION_MS);
    if (this.redeemed(ticket.jti)) return 'replay';
    if (now >= ticket.exp * 1000) return 'expired';
    this.sql.exec(
      'INSERT INTO burned_tickets (jti, expires_at, decision, executor) VALUES (?, ?, ?, ?)',
      ticket.jti,
      ticket.exp * 1000,
      ticket.decision,
      executor,
    );
    return 'redeemed';
  }

  /** Whether a ticket's `jti` was redeemed. */
  redeemed(jti: string): boolean {
    return this.sql.exec('SELECT 1 FROM burned_tickets WHERE jti = ?', jti).toArray().length > 0;
  }

  /** The executor that redeemed the ticket of `decision`, or null when none has. */
  redeemerOf(decision: string): string | null {
    return (
      this.sql
        .exec<{ executor: string }>('SELECT executor FROM burned_tickets WHERE decision = ?', decision)
        .toArray()[0]?.executor ?? null
    );
  }
}
