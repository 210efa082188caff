/**
 * @module
 * Issuing execution tickets in the agent's Durable Object. A ticket is planned (its `jti`
 * and times chosen, and recorded in the audit) inside the allow's own transaction, and
 * signed after it commits. Retries with the same idempotency key get the same ticket.
 */
import type { JWK } from 'jose';
import { agentKey, MAX_REPLIES, REPLY_TTL_MS, type EngineRequest } from '../../engine/stateful-engine.js';
import { issueTicket, paramsHash, type TicketSubject } from '../../tokens/ticket.js';

/** Kept tickets are trimmed to their bounds once per this many. */
const TRIM_EVERY = 100;

/** A ticket chosen but not yet signed. */
export interface TicketPlan {
  subject: TicketSubject & { jti: string };
  issuedAt: number;
  ttlSeconds: number;
}

export class TicketIssuer {
  /** Tickets being signed, by idempotency key, so that concurrent retries share one. */
  private readonly signing = new Map<string, Promise<string>>();
  private keptSinceTrim = 0;

  constructor(
    private readonly sql: SqlStorage,
    private readonly key: () => JWK | null,
    private readonly issuer: string,
  ) {
    sql.exec(
      'CREATE TABLE IF NOT EXISTS kept_tickets (reply_key TEXT PRIMARY KEY, ticket TEXT NOT NULL, at INTEGER NOT NULL)',
    );
    sql.exec('CREATE INDEX IF NOT EXISTS kept_tickets_age ON kept_tickets (at)');
  }

  /** Whether allows get tickets (a signing key is configured). */
  get enabled(): boolean {
    return this.key() !== null;
  }

  /** Chooses the ticket for an allowed decision, synchronously, so its audit record commits with the allow. */
  plan(
    request: Pick<EngineRequest, 'agent' | 'action' | 'resource' | 'params'>,
    decision: string,
    policyHash: string,
    ttlSeconds: number,
  ): TicketPlan {
    const subject = {
      agent: request.agent.id,
      tenant: request.agent.tenant ?? '',
      action: request.action,
      resource: request.resource,
      paramsHash: paramsHash(request.params),
      policyHash,
      decision,
      jti: crypto.randomUUID(),
    };
    return { subject, issuedAt: Math.floor(Date.now() / 1000), ttlSeconds };
  }

  /**
   * The signed ticket for an allowed decision: from `planned` when this call committed it,
   * or, for a retry answered from a kept reply, the ticket signed the first time (or one
   * `replan` makes, when the first was never signed). Retries share one ticket.
   */
  ticket(request: EngineRequest, planned: TicketPlan | null, replan: () => TicketPlan): Promise<string> {
    if (request.idempotency_key === undefined) return this.sign(planned ?? replan());
    return this.once(`${agentKey(request.agent)}\u0000${request.idempotency_key}`, () => planned ?? replan());
  }

  /** The ticket kept under `key`, or one signed from `plan()` and kept; concurrent calls share one signature. */
  once(key: string, plan: () => TicketPlan): Promise<string> {
    let ticket = this.signing.get(key);
    if (!ticket) {
      const stored = this.sql
        .exec<{ ticket: string }>('SELECT ticket FROM kept_tickets WHERE reply_key = ?', key)
        .toArray()[0];
      ticket = stored
        ? Promise.resolve(stored.ticket)
        : this.sign(plan()).then((t) => {
            this.keep(key, t);
            this.signing.delete(key);
            return t;
          });
      this.signing.set(key, ticket); // set before any await: concurrent calls share it
    }
    return ticket;
  }

  /**
   * Keeps a signed ticket for retries, as long as replies are kept (a day, at most
   * `MAX_REPLIES` of them): older ones are forgotten as new ones come.
   */
  private keep(key: string, ticket: string): void {
    const now = Date.now();
    this.sql.exec('INSERT OR IGNORE INTO kept_tickets (reply_key, ticket, at) VALUES (?, ?, ?)', key, ticket, now);
    if (++this.keptSinceTrim < TRIM_EVERY) return;
    this.keptSinceTrim = 0;
    this.sql.exec(
      'DELETE FROM kept_tickets WHERE at < ?1 OR reply_key NOT IN (SELECT reply_key FROM kept_tickets ORDER BY at DESC LIMIT ?2)',
      now - REPLY_TTL_MS,
      MAX_REPLIES,
    );
  }

  private sign(plan: TicketPlan): Promise<string> {
    return issueTicket(plan.subject, this.key()!, this.issuer, plan.issuedAt, plan.ttlSeconds);
  }
}
