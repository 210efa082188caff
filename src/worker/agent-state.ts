/**
 * @module
 * The `AgentState` Durable Object: one per `tenant:agent`, holding the evaluator warm and
 * the agent's state in SQLite. A thin shell: the stateful engine does the work, and every
 * RPC method is synchronous from the state it reads to the state it writes.
 */
import { DurableObject } from 'cloudflare:workers';
import type { AuditKind, ChainedRecord } from '../audit/chain.js';
import { decisionFields } from '../audit/record.js';
import type { Decision } from '../engine/decision.js';
import type { JsonValue } from '../policy/decision.js';
import type { AgentView } from '../engine/state/agent-view.js';
import { agentKey, StatefulEngine, type EngineRequest, type OutcomeReport } from '../engine/stateful-engine.js';
import { WasmEvaluator } from '../engine/wasm-evaluator.js';
import type { Env } from './env.js';
import { signingKey } from './keys.js';
import { POLICY_BUNDLE, POLICY_WASM } from './policy-source.js';
import { SqlStateStore } from './sql-store.js';
import { AuditLog } from './audit-log.js';
import { flushBatch, type AuditSinks } from './audit-flush.js';
import { TicketIssuer, type TicketPlan } from './ticket-issuer.js';
import { outsideChain, type DelegationLink } from '../tokens/delegation.js';
import { newAgentState } from '../engine/state/agent-state.js';
import { ApprovalBook, requestHash, type Approval, type ApprovalStatus } from './approvals.js';
import { WebhookOutbox, type WebhookFetch } from './webhook.js';

/** A decision as the edge answers it: with its audit record, a ticket on allow, and the approval it waits for. */
export type EdgeDecision = Decision & {
  audit?: { seq: number; hash: string };
  ticket?: string;
  approval?: { id: string; status: ApprovalStatus; expires_at: string };
};

/** An approval as its agent or an operator reads it: with the decision it amounts to, and on approval the agent's ticket. */
export interface ApprovalReply {
  approval: Approval;
  decision: 'allow' | 'deny' | 'require_approval';
  ticket?: string;
}

/** What bounds a delegated agent's decisions: every link of its chain, and its trust ceiling. */
export interface DelegatedScope {
  links: DelegationLink[];
  trustCeiling: number | null;
}

export type SettleResult = { ok: true; approval: Approval } | { ok: false; code: 'not_found' | 'forbidden' | 'conflict'; message: string };

/** The end of an agent's audit chain that is still in its Durable Object. */
export interface AuditTail {
  head: { seq: number; hash: string };
  flushed: { seq: number; hash: string };
  pending: ChainedRecord[];
}

/** Who an agent is, as its audit records name it. */
type Who = { tenant: string; agent: string };
const who = (agent: { id: string; tenant?: string }): Who => ({ tenant: agent.tenant ?? '', agent: agent.id });

/**
 * Records reach R2 within this long of the first one pending. Waiting lets a busy agent's
 * records share a segment (a flush costs a signature, two R2 writes and a D1 batch), and
 * a random part of it keeps agents that started together from all flushing at once.
 */
const FLUSH_DELAY_MS = 10_000;
/** Records per segment, at most; a flush starts at once when this many are pending. */
const SEGMENT_RECORDS = 1000;
/** A failed flush is retried after 2, 4, 8 … seconds, at most this long. */
const MAX_RETRY_MS = 5 * 60_000;

export class AgentState extends DurableObject<Env> {
  private engine: StatefulEngine | null = null;
  private store!: SqlStateStore;
  private audit!: AuditLog;
  private tickets!: TicketIssuer;
  /** The request id of the decision being committed (decisions commit one at a time). */
  private requestId: string | null = null;
  private approvals!: ApprovalBook;
  private outbox!: WebhookOutbox;
  /** Long-polls waiting on an approval, by id. */
  private readonly waiters = new Map<string, Set<() => void>>();
  /** When the alarm is set for (ms), if it is. */
  private alarmAt: number | null = null;
  private flushFailures = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // The engine must be ready before any call; if the bundle fails to load, every call fails (and is answered 503).
    void ctx.blockConcurrencyWhile(async () => {
      const evaluator = await WasmEvaluator.create(POLICY_WASM, POLICY_BUNDLE);
      this.audit = new AuditLog(ctx.storage.sql);
      this.tickets = new TicketIssuer(ctx.storage.sql, () => signingKey(env, 'TICKET_SIGNING_JWK'), env.TICKET_ISSUER);
      this.approvals = new ApprovalBook(ctx.storage.sql);
      this.outbox = new WebhookOutbox(ctx.storage.sql);
      this.store = new SqlStateStore(ctx.storage.sql);
      ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS delegated_spend (day TEXT PRIMARY KEY, usd REAL NOT NULL)');
      this.engine = new StatefulEngine(evaluator, this.store);
      this.engine.onCommit = (request, decision) => this.auditDecision(request, decision);
      // Work left by an earlier instance (a reset mid-flush, say) is picked up again.
      this.alarmAt = await ctx.storage.getAlarm();
      this.scheduleNext();
    });
  }

  private ready(): StatefulEngine {
    if (!this.engine) throw new Error('agent state is not loaded');
    return this.engine;
  }

  /**
   * Decides and commits synchronously; only then, on allow, awaits the ticket's signature.
   * Retries with the same idempotency key get the same decision and the same ticket.
   */
  async decide(request: EngineRequest, requestId?: string, scope?: DelegatedScope): Promise<EdgeDecision> {
    return this.ticketed(this.commit([request], requestId, scope)[0], request);
  }

  async decideBatch(requests: EngineRequest[], requestId?: string, scope?: DelegatedScope): Promise<EdgeDecision[]> {
    const decisions = this.commit(requests, requestId, scope); // every commit first, in order
    return Promise.all(decisions.map((d, i) => this.ticketed(d, requests[i])));
  }

  /** Decides, committing the state and the audit records of every request in one transaction. */
  private commit(requests: EngineRequest[], requestId: string | undefined, scope: DelegatedScope | undefined): EdgeDecision[] {
    const engine = this.ready();
    this.requestId = requestId ?? null;
    try {
      return this.ctx.storage.transactionSync(() => requests.map((r) => (scope ? this.decideDelegated(r, scope) : engine.decide(r))));
    } finally {
      this.requestId = null;
    }
  }

  /**
   * A delegated agent's decision: bounded by every link of its chain (actions, resources,
   * the smallest daily budget) before the policy is asked, and starting no more trusted
   * than its delegator was.
   */
  private decideDelegated(request: EngineRequest, scope: DelegatedScope): EdgeDecision {
    const engine = this.ready();
    const now = Date.now();
    const day = new Date(now).toISOString().slice(0, 10);
    const budgets = scope.links.map((l) => l.budget_usd).filter((b): b is number => b !== null);
    const spent = this.ctx.storage.sql.exec<{ usd: number }>('SELECT usd FROM delegated_spend WHERE day = ?', day).toArray()[0]?.usd ?? 0;
    const cost = request.cost?.usd ?? 0;
    const problem = outsideChain(scope.links, request.action, request.resource) ??
      (budgets.length > 0 && spent + cost > Math.min(...budgets) ? `this request would exceed the delegated budget of ${Math.min(...budgets)} USD per day (${spent} spent)` : null);
    if (problem) {
      const refusal: Decision = { decision: 'deny', code: 'delegation', reasons: [{ rule: null, effect: 'deny', message: problem }], errors: [], redactions: [], policy: { hash: engine.bundle.hash } };
      return this.auditDecision(request, refusal);
    }
    const key = agentKey(request.agent);
    if (scope.trustCeiling !== null && !this.store.get(key)) this.store.put(key, newAgentState(Math.min(engine.bundle.info.trust.initial, scope.trustCeiling), now));
    const before = this.audit.head.seq;
    const decision = engine.decide(request);
    const fresh = this.audit.head.seq > before; // not an idempotent replay
    if (fresh && decision.decision === 'allow' && cost > 0) {
      this.ctx.storage.sql.exec('INSERT INTO delegated_spend (day, usd) VALUES (?, ?) ON CONFLICT(day) DO UPDATE SET usd = usd + excluded.usd', day, cost);
    }
    return decision;
  }

  /** Records a delegation this agent made, and returns its trust (the child's ceiling). */
  delegationIssued(agent: { id: string; tenant?: string }, fields: { [key: string]: JsonValue }): { trust: number } {
    const engine = this.ready();
    return this.ctx.storage.transactionSync(() => {
      const { trust } = engine.state(agent);
      this.record(who(agent), 'delegation_issue', fields);
      return { trust };
    });
  }

  /** Records a revocation this agent made or suffered. */
  delegationRevoked(agent: { id: string; tenant?: string }, fields: { [key: string]: JsonValue }): void {
    this.ready();
    this.ctx.storage.transactionSync(() => void this.record(who(agent), 'delegation_revoke', fields));
  }

  /**
   * The engine's commit hook, inside the decision's transaction: the approval a
   * require_approval waits for, the decision's audit record and, on allow, its ticket's
   * (a ticket exists only if the audit knows it).
   */
  private auditDecision(request: EngineRequest, decision: Decision): EdgeDecision {
    const agent = who(request.agent);
    const { reply, opened } = decision.decision === 'require_approval' ? this.askForApproval(agent, request, decision) : { reply: decision as EdgeDecision, opened: null };
    const fields = decisionFields({ request, decision: reply, info: this.ready().bundle.info, requestId: this.requestId, approvalId: reply.approval?.id ?? null });
    const audited: EdgeDecision = { ...reply, audit: this.record(agent, 'decision', fields) };
    if (opened) {
      this.record(agent, 'approval_request', { approval: opened.id, decision_seq: audited.audit!.seq, request_hash: opened.request_hash, expires_at: new Date(opened.expires_at).toISOString() });
      if (this.env.APPROVAL_WEBHOOK_URL) this.outbox.enqueue({ type: 'approval.requested', approval: opened });
      this.wake(Date.now()); // copy it to the tenant's index, and tell the webhook
    }
    if (audited.decision === 'allow' && this.tickets.enabled) this.planTicket(audited, request);
    return audited;
  }

  /** Opens (or finds) the approval a require_approval waits for; past the policy's cap of pending approvals, denies. */
  private askForApproval(agent: Who, request: EngineRequest, decision: Decision): { reply: EdgeDecision; opened: Approval | null } {
    const pending = (a: Approval) => ({ id: a.id, status: a.status, expires_at: new Date(a.expires_at).toISOString() });
    const existing = this.approvals.openFor(requestHash(request));
    if (existing) return { reply: { ...decision, approval: pending(existing) }, opened: null };
    const { maxPending, ttlMs } = this.ready().bundle.info.approvals;
    if (this.approvals.pendingCount() >= maxPending) {
      const message = `${maxPending} approvals are already pending for this agent, the most the policy allows; this request is denied until a human settles some`;
      return { reply: { ...decision, decision: 'deny', code: 'approval_limit', reasons: [{ rule: null, effect: 'deny', message }] }, opened: null };
    }
    const rules = decision.reasons.map((r) => r.rule).filter((r): r is string => r !== null);
    const opened = this.approvals.open(agent, request, rules, ttlMs);
    return { reply: { ...decision, approval: pending(opened) }, opened };
  }

  private planTicket(reply: EdgeDecision, request: EngineRequest): TicketPlan {
    const plan = this.tickets.plan(reply, request, reply.policy.hash, Math.round(this.ready().bundle.info.tickets.ttlMs / 1000));
    const { jti, action, resource, paramsHash } = plan.subject;
    this.record(who(request.agent), 'ticket_issue', { jti, decision_seq: reply.audit?.seq ?? null, action, resource, params_hash: paramsHash, expires_at: plan.issuedAt + plan.ttlSeconds });
    return plan;
  }

  /** Appends an audit record (synchronously) and makes sure a flush will follow. */
  private record(agent: Who, kind: AuditKind, fields: { [key: string]: JsonValue }): { seq: number; hash: string } {
    const written = this.audit.append(agent, kind, fields, this.ready().bundle.hash);
    // A failed flush keeps its backoff; otherwise flush soon, or at once when a segment is full.
    if (this.flushFailures === 0) this.wake(Date.now() + (written.seq - this.audit.flushed.seq >= SEGMENT_RECORDS ? 0 : FLUSH_DELAY_MS * (0.5 + Math.random() / 2)));
    return written;
  }

  private async ticketed(decision: EdgeDecision, request: EngineRequest): Promise<EdgeDecision> {
    if (decision.decision !== 'allow' || !this.tickets.enabled) return decision;
    const replan = () => this.ctx.storage.transactionSync(() => this.planTicket(decision, request));
    return { ...decision, ticket: await this.tickets.ticket(decision, request, replan) };
  }

  outcome(report: OutcomeReport): AgentView {
    const engine = this.ready();
    return this.ctx.storage.transactionSync(() => {
      const view = engine.outcome(report);
      this.record(who(report.agent), 'outcome', { outcome: report.outcome, cost: report.cost ? { usd: report.cost.usd ?? 0, tokens: report.cost.tokens ?? 0 } : null, trust: view.trust });
      return view;
    });
  }

  state(agent: { id: string; tenant?: string }): AgentView {
    return this.ready().state(agent);
  }

  /** The operator's kill switch; `operator` names who flipped it, for the audit. */
  setKilled(agent: { id: string; tenant?: string }, killed: boolean, operator = ''): AgentView {
    const engine = this.ready();
    return this.ctx.storage.transactionSync(() => {
      const view = engine.setKilled(agent, killed);
      this.record(who(agent), killed ? 'suspend' : 'resume', { by: operator });
      return view;
    });
  }

  /**
   * Burns a ticket's `jti`: true the first time, false on every replay, and either way an
   * audit record. Synchronous, so concurrent redemptions of one ticket see exactly one true.
   */
  burnTicket(ticket: { jti: string; exp: number; sub: string; tenant: string }, executor = ''): boolean {
    return this.ctx.storage.transactionSync(() => {
      const first = !this.ticketRedeemed(ticket.jti);
      if (first) this.ctx.storage.sql.exec('INSERT INTO burned_tickets (jti, expires_at) VALUES (?, ?)', ticket.jti, ticket.exp * 1000);
      this.record({ tenant: ticket.tenant, agent: ticket.sub }, first ? 'ticket_redeem' : 'ticket_replay', { jti: ticket.jti, by: executor });
      return first;
    });
  }

  /** Whether a ticket's `jti` was redeemed (expired burns are forgotten: the ticket is dead anyway). */
  ticketRedeemed(jti: string): boolean {
    const sql = this.ctx.storage.sql;
    sql.exec('CREATE TABLE IF NOT EXISTS burned_tickets (jti TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)');
    sql.exec('DELETE FROM burned_tickets WHERE expires_at < ?', Date.now());
    return sql.exec('SELECT 1 FROM burned_tickets WHERE jti = ?', jti).toArray().length > 0;
  }

  /** The audit chain's head, what has been flushed, and the records still here. */
  auditTail(): AuditTail {
    this.ready();
    return { head: this.audit.head, flushed: this.audit.flushed, pending: this.audit.pending() };
  }

  /**
   * An approval as `caller` may see it, after waiting up to `waitMs` while it is pending
   * (a long-poll). The requesting agent gets a ticket for the approved request, once signed
   * and then the same on every read.
   */
  async approval(id: string, caller: { kind: 'agent' | 'operator'; id: string }, waitMs = 0): Promise<ApprovalReply | null> {
    this.ready();
    this.expireApprovals();
    let approval = this.approvals.get(id);
    if (!approval) return null;
    if (approval.status === 'pending' && waitMs > 0) {
      await this.waitFor(id, Math.min(waitMs, approval.expires_at - Date.now() + 10));
      this.expireApprovals();
      approval = this.approvals.get(id)!;
    }
    const decision = approval.status === 'approved' ? 'allow' : approval.status === 'pending' ? 'require_approval' : 'deny';
    if (approval.status !== 'approved' || caller.kind !== 'agent' || caller.id !== approval.agent || !this.tickets.enabled) return { approval, decision };
    const approved = approval;
    const request = { agent: { id: approved.agent, tenant: approved.tenant }, action: approved.action, resource: approved.resource, params: this.approvals.params(id) };
    const ticket = await this.tickets.once(`approval\u0000${id}`, () =>
      this.ctx.storage.transactionSync(() => {
        const plan = this.tickets.plan(approved, request, this.ready().bundle.hash, Math.round(this.ready().bundle.info.tickets.ttlMs / 1000));
        this.record(who(request.agent), 'ticket_issue', { jti: plan.subject.jti, approval: id, action: approved.action, resource: approved.resource, params_hash: plan.subject.paramsHash, expires_at: plan.issuedAt + plan.ttlSeconds });
        return plan;
      }),
    );
    return { approval, decision, ticket };
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

  /** A human's verdict. Operators only (the route checks), never the requesting agent, and only while pending. */
  settleApproval(id: string, verdict: 'approved' | 'denied', operator: string, note: string | null): SettleResult {
    this.ready();
    this.expireApprovals();
    return this.ctx.storage.transactionSync((): SettleResult => {
      const approval = this.approvals.get(id);
      if (!approval) return { ok: false, code: 'not_found', message: `no approval ${id}` };
      if (operator === approval.agent) return { ok: false, code: 'forbidden', message: 'an agent can never approve its own request' };
      if (approval.status !== 'pending') return { ok: false, code: 'conflict', message: `approval ${id} is already ${approval.status}` };
      const settled = this.approvals.settle(id, verdict, operator, note);
      this.record(who({ id: approval.agent, tenant: approval.tenant }), verdict === 'approved' ? 'approval_approve' : 'approval_deny', { approval: id, by: operator, note });
      this.notify(id);
      this.wake(Date.now());
      return { ok: true, approval: settled };
    });
  }

  listApprovals(status?: ApprovalStatus): Approval[] {
    this.ready();
    this.expireApprovals();
    return this.approvals.list(status);
  }

  /** Expiry means deny: pending approvals past their time are closed, audited, and their waiters woken. */
  private expireApprovals(): void {
    this.ctx.storage.transactionSync(() => {
      for (const expired of this.approvals.expireDue()) {
        this.record(who({ id: expired.agent, tenant: expired.tenant }), 'approval_expire', { approval: expired.id });
        this.notify(expired.id);
      }
    });
  }

  /** Makes sure the alarm fires by `at`: an earlier alarm is kept, a later one brought forward. */
  private wake(at: number): void {
    if (this.alarmAt !== null && this.alarmAt <= at) return;
    this.alarmAt = at;
    this.ctx.storage.setAlarm(at).catch(() => (this.alarmAt = null));
  }

  /** Sets the alarm for the earliest work still to do. */
  private scheduleNext(): void {
    const due = [this.approvals.nextExpiry(), this.outbox.nextDue()];
    if (this.approvals.unindexed().length > 0) due.push(Date.now() + 5000);
    if (this.audit.hasPending) due.push(Date.now() + (this.flushFailures > 0 ? Math.min(1000 * 2 ** this.flushFailures, MAX_RETRY_MS) : FLUSH_DELAY_MS / 2));
    const next = due.filter((t): t is number => t !== null);
    if (next.length > 0) this.wake(Math.min(...next));
  }

  /** Where flushed records go; null when the Worker has no key to sign checkpoints with. */
  protected sinks(): AuditSinks | null {
    const key = signingKey(this.env, 'AUDIT_SIGNING_JWK');
    return key ? { bucket: this.env.AUDIT_BUCKET, db: this.env.AUDIT_DB, key } : null;
  }

  /** How webhooks are sent (tests replace it: a webhook receiver is outside what workerd runs locally). */
  protected webhookFetch: WebhookFetch = (url, init) => fetch(url, init);

  /**
   * The object's background work: expire approvals, copy them to the tenant index, tell
   * the webhook, and flush the audit. Each failure is retried later; none blocks a decision.
   */
  override async alarm(): Promise<void> {
    this.ready();
    this.alarmAt = null;
    this.expireApprovals();
    await this.indexApprovals();
    if (this.env.APPROVAL_WEBHOOK_URL && this.env.APPROVAL_WEBHOOK_SECRET) await this.outbox.deliverDue(this.env.APPROVAL_WEBHOOK_URL, this.env.APPROVAL_WEBHOOK_SECRET, this.webhookFetch);
    await this.flushAudit();
    this.scheduleNext();
  }

  private async indexApprovals(): Promise<void> {
    const changed = this.approvals.unindexed();
    if (changed.length === 0) return;
    try {
      const upsert = this.env.AUDIT_DB.prepare(
        `INSERT INTO approvals (tenant, agent, id, status, action, resource, rules, created_at, expires_at, decided_at, decided_by, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (tenant, id) DO UPDATE SET status = excluded.status, decided_at = excluded.decided_at, decided_by = excluded.decided_by, note = excluded.note`,
      );
      await this.env.AUDIT_DB.batch(changed.map((a) => upsert.bind(a.tenant, a.agent, a.id, a.status, a.action, a.resource, JSON.stringify(a.rules), a.created_at, a.expires_at, a.decided_at, a.decided_by, a.note)));
      this.approvals.markIndexed(changed);
    } catch (err) {
      console.error(`copying approvals to the tenant index failed; retrying: ${(err as Error).message}`);
    }
  }

  /** Flushes pending records to R2 and D1, a segment at a time. A failure keeps them here and retries with backoff. */
  private async flushAudit(): Promise<void> {
    try {
      const sinks = this.sinks();
      if (!sinks) throw new Error('AUDIT_SIGNING_JWK is not configured');
      for (let batch = this.audit.nextBatch(SEGMENT_RECORDS); batch; batch = this.audit.nextBatch(SEGMENT_RECORDS)) {
        await flushBatch(batch, sinks);
        this.audit.flushedBatch(batch);
      }
      this.flushFailures = 0;
    } catch (err) {
      this.flushFailures++;
      const delay = Math.min(1000 * 2 ** this.flushFailures, MAX_RETRY_MS);
      console.error(`audit flush failed (attempt ${this.flushFailures}); records stay in the agent's object and the flush is retried in ${delay} ms: ${(err as Error).message}`);
    }
  }
}
