/**
 * @module
 * The approvals side of an agent's Durable Object: opening an approval for a
 * require_approval (or denying past the pending cap), long-polls, human verdicts (an
 * approval checks the request's limits again and reserves its cost), expiry (pending past
 * `approvals.ttl`, or approved but not claimed within `approvals.claim_ttl`, which releases
 * the reservation), the agent's ticket once approved, and copying approvals to the tenant's
 * index. Every state change is audited through the object's `record`, in the caller's
 * transaction, and announced to the webhook.
 */
import type { AuditKind } from '../../audit/chain.js';
import { redactedParams } from '../../audit/record.js';
import type { BundleInfo } from '../../policy/bundle/decode.js';
import type { JsonValue } from '../../lib/json.js';
import type { Decision } from '../../engine/describe.js';
import type { EngineRequest, StatefulEngine } from '../../engine/stateful-engine.js';
import { requestHash } from '../../engine/request-hash.js';
import { ApprovalBook, type Approval, type ApprovalStatus } from './book.js';
import type { TicketIssuer } from '../tickets/issuer.js';
import type { WebhookOutbox } from './webhook.js';

/** A decision as the edge answers it: with its audit record, a ticket on allow, and the approval it waits for. */
export type EdgeDecision = Decision & {
  audit?: { seq: number; hash: string };
  ticket?: string;
  approval?: { id: string; status: ApprovalStatus; expires_at: string };
};

/** Who reads an approval; for an agent, whether its tenant is halted now. */
export type ApprovalReader = { kind: 'agent' | 'operator'; id: string; halted?: boolean };

/** An approval as its agent or an operator reads it: with the decision it amounts to, and on approval the agent's ticket. */
export interface ApprovalReply {
  approval: Approval;
  decision: 'allow' | 'deny' | 'require_approval';
  /** Why an approved request gets no ticket (the agent is suspended). */
  reason?: string;
  ticket?: string;
}

export type SettleResult =
  { ok: true; approval: Approval } | { ok: false; code: 'not_found' | 'forbidden' | 'conflict'; message: string };

type Who = { tenant: string; agent: string };

/** What the desk needs from its Durable Object. */
export interface DeskHost {
  sql: SqlStorage;
  tickets: TicketIssuer;
  outbox: WebhookOutbox;
  engine(): StatefulEngine;
  bundle(): { info: BundleInfo; hash: string };
  record(agent: Who, kind: AuditKind, fields: { [key: string]: JsonValue }): { seq: number; hash: string };
  transaction<T>(work: () => T): T;
  /** Asks for the object's alarm by `at` (index copies, webhook deliveries, expiries). */
  wake(at: number): void;
  webhookConfigured(): boolean;
}

const pendingView = (a: Approval) => ({ id: a.id, status: a.status, expires_at: new Date(a.expires_at).toISOString() });
const whoOf = (a: Approval): Who => ({ tenant: a.tenant, agent: a.agent });

export class ApprovalDesk {
  readonly book: ApprovalBook;
  /** Long-polls waiting on an approval, by id. */
  private readonly waiters = new Map<string, Set<() => void>>();

  constructor(private readonly host: DeskHost) {
    this.book = new ApprovalBook(host.sql);
  }

  /**
   * Inside a require_approval's transaction: the approval it waits for (an open one for the
   * same request is reused), or a deny once the agent has the policy's cap pending.
   */
  ask(request: EngineRequest, decision: Decision): EdgeDecision {
    const existing = this.book.openFor(requestHash(request));
    if (existing) return { ...decision, approval: pendingView(existing) };
    const { maxPending, ttlMs } = this.host.bundle().info.approvals;
    if (this.book.pendingCount() >= maxPending) {
      const message = `${maxPending} approvals are already pending for this agent, the most the policy allows; this request is denied until a human settles some`;
      return {
        ...decision,
        decision: 'deny',
        code: 'approval_limit',
        reasons: [{ rule: null, effect: 'deny', message }],
      };
    }
    const rules = decision.reasons.map((r) => r.rule).filter((r): r is string => r !== null);
    const who = { tenant: request.agent.tenant ?? '', agent: request.agent.id };
    const opened = this.book.open({
      who,
      decision: decision.id,
      request,
      shownParams: redactedParams(request.params, decision.redactions),
      rules,
      ttlMs,
    });
    this.host.record(who, 'approval_request', {
      approval: opened.id,
      decision_id: decision.id,
      request_hash: opened.request_hash,
      expires_at: new Date(opened.expires_at).toISOString(),
    });
    this.announce('approval.requested', opened);
    return { ...decision, approval: pendingView(opened) };
  }

  /** An approval, after waiting up to `waitMs` while it is pending; the requesting agent gets its ticket once approved. */
  async read(id: string, caller: ApprovalReader, waitMs: number): Promise<ApprovalReply | null> {
    this.expire();
    let approval = this.book.get(id);
    if (!approval) return null;
    if (approval.status === 'pending' && waitMs > 0) {
      await this.waitFor(id, Math.min(waitMs, approval.expires_at - Date.now() + 10));
      this.expire();
      approval = this.book.get(id)!;
    }
    const decision =
      approval.status === 'approved' ? 'allow' : approval.status === 'pending' ? 'require_approval' : 'deny';
    if (
      approval.status !== 'approved' ||
      caller.kind !== 'agent' ||
      caller.id !== approval.agent ||
      !this.host.tickets.enabled
    )
      return { approval, decision };
    // Approval grants nothing by itself: the agent's suspension is checked again when its ticket is issued.
    if (caller.halted)
      return {
        approval,
        decision: 'deny',
        reason: "the agent's tenant is halted, so the approved request gets no ticket",
      };
    if (this.host.engine().isSuspended({ id: approval.agent, tenant: approval.tenant })) {
      return { approval, decision: 'deny', reason: 'the agent is suspended, so the approved request gets no ticket' };
    }
    return { approval, decision, ticket: await this.ticketFor(approval) };
  }

  /** The ticket for an approved request: bound to exactly what was approved and to its decision, signed once. */
  private ticketFor(approval: Approval): Promise<string> {
    const request = this.book.request(approval.id)!;
    return this.host.tickets.once(`approval\u0000${approval.id}`, () =>
      this.host.transaction(() => {
        const { info, hash } = this.host.bundle();
        const plan = this.host.tickets.plan(request, approval.decision, hash, Math.round(info.tickets.ttlMs / 1000));
        this.book.claim(approval.id);
        this.host.record(whoOf(approval), 'ticket_issue', {
          jti: plan.subject.jti,
          approval: approval.id,
          decision_id: approval.decision,
          action: approval.action,
          resource: approval.resource,
          params_hash: plan.subject.paramsHash,
          expires_at: plan.issuedAt + plan.ttlSeconds,
        });
        return plan;
      }),
    );
  }

  /**
   * A human's verdict: operators only (the route checks), never the requesting agent, and
   * only while pending. Approving checks the request's limits now and reserves its cost;
   * when they no longer allow it, the approval fails and stays pending.
   */
  settle(id: string, verdict: 'approved' | 'denied', operator: string, note: string | null): SettleResult {
    this.expire();
    return this.host.transaction((): SettleResult => {
      const approval = this.book.get(id);
      if (!approval) return { ok: false, code: 'not_found', message: `no approval ${id}` };
      if (operator === approval.agent)
        return { ok: false, code: 'forbidden', message: 'an agent can never approve its own request' };
      if (approval.status !== 'pending')
        return { ok: false, code: 'conflict', message: `approval ${id} is already ${approval.status}` };
      if (verdict === 'approved') {
        const granted = this.host.engine().approve(this.book.request(id)!, approval.decision);
        if (!granted.ok) {
          const why = granted.decision.reasons.map((r) => r.message).join('; ') || granted.decision.code;
          return { ok: false, code: 'conflict', message: `approval ${id} can't be granted now: ${why}` };
        }
      }
      const settled = this.book.settle(id, verdict, operator, note, this.host.bundle().info.approvals.claimTtlMs);
      this.host.record(whoOf(approval), verdict === 'approved' ? 'approval_approve' : 'approval_deny', {
        approval: id,
        decision_id: approval.decision,
        by: operator,
        note,
      });
      this.announce(verdict === 'approved' ? 'approval.approved' : 'approval.denied', settled);
      this.notify(id);
      return { ok: true, approval: settled };
    });
  }

  list(status?: ApprovalStatus): Approval[] {
    this.expire();
    return this.book.list(status);
  }

  /**
   * Expiry means deny: pending approvals past their time, and approved ones whose ticket was
   * never claimed (their reservation is released), are closed, audited, and their waiters woken.
   */
  expire(): void {
    this.host.transaction(() => {
      for (const expired of this.book.expireDue()) {
        if (expired.status === 'approved')
          this.host.engine().release({ id: expired.agent, tenant: expired.tenant }, expired.decision);
        this.host.record(whoOf(expired), 'approval_expire', {
          approval: expired.id,
          decision_id: expired.decision,
          unclaimed: expired.status === 'approved',
        });
        this.announce('approval.expired', this.book.get(expired.id)!);
        this.notify(expired.id);
      }
    });
  }

  /** Queues a webhook event (in the caller's transaction) and wakes the alarm to deliver it and copy the index. */
  private announce(type: string, approval: Approval): void {
    if (this.host.webhookConfigured()) this.host.outbox.enqueue({ type, approval });
    this.host.wake(Date.now());
  }

  /** Copies approvals opened or settled since the last copy to the tenant's index; a failure is retried at the next alarm. */
  async index(db: D1Database): Promise<void> {
    const changed = this.book.unindexed();
    if (changed.length === 0) return;
    try {
      const upsert = db.prepare(
        `INSERT INTO approvals (tenant, agent, id, status, action, resource, rules, created_at, expires_at, decided_at, decided_by, note, decision, params, cost, claim_expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (tenant, id) DO UPDATE SET status = excluded.status, decided_at = excluded.decided_at, decided_by = excluded.decided_by, note = excluded.note,
           claim_expires_at = excluded.claim_expires_at`,
      );
      await db.batch(
        changed.map((a) =>
          upsert.bind(
            a.tenant,
            a.agent,
            a.id,
            a.status,
            a.action,
            a.resource,
            JSON.stringify(a.rules),
            a.created_at,
            a.expires_at,
            a.decided_at,
            a.decided_by,
            a.note,
            a.decision,
            JSON.stringify(a.params),
            JSON.stringify(a.cost),
            a.claim_expires_at,
          ),
        ),
      );
      this.book.markIndexed(changed);
    } catch (err) {
      console.error(`copying approvals to the tenant index failed; retrying: ${(err as Error).message}`);
    }
  }

  /** When the desk next needs the alarm: the next expiry, or soon if the index is behind. */
  nextDue(): number | null {
    const expiry = this.book.nextExpiry();
    const index = this.book.hasUnindexed() ? Date.now() + 5000 : null;
    return expiry === null ? index : index === null ? expiry : Math.min(expiry, index);
  }

  private waitFor(id: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const waiting = this.waiters.get(id) ?? this.waiters.set(id, new Set()).get(id)!;
      const done = () => {
        clearTimeout(timer);
        waiting.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      waiting.add(done);
    });
  }

  private notify(id: string): void {
    for (const done of [...(this.waiters.get(id) ?? [])]) done();
    this.waiters.delete(id);
  }
}
