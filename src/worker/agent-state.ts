/**
 * @module
 * The `AgentState` Durable Object: one per `tenant:agent`, holding the evaluator warm and
 * the agent's state in SQLite. A shell around the parts: the stateful engine decides, the
 * audit log records, the ticket issuer signs, the approval desk waits for humans. Every
 * RPC method is synchronous from the state it reads to the state it writes (and its audit
 * record); only then does it await crypto. The alarm runs the background work.
 */
import { DurableObject } from 'cloudflare:workers';
import type { AuditKind, ChainedRecord } from '../audit/chain.js';
import { decisionFields } from '../audit/record.js';
import type { Decision } from '../engine/decision.js';
import type { AgentView } from '../engine/state/agent-view.js';
import { newAgentState } from '../engine/state/agent-state.js';
import { agentKey, StatefulEngine, type EngineRequest, type OutcomeReport } from '../engine/stateful-engine.js';
import { WasmEvaluator } from '../engine/wasm-evaluator.js';
import type { JsonValue } from '../policy/decision.js';
import { ApprovalDesk, type ApprovalReply, type EdgeDecision, type SettleResult } from './approvals/desk.js';
import type { Approval, ApprovalStatus } from './approvals/book.js';
import { flushPending, type AuditSinks } from './audit/flush.js';
import { AuditLog } from './audit/log.js';
import { DelegatedSpend, type DelegatedScope } from './delegation/spend.js';
import type { Env } from './env.js';
import { signingKey } from './keys.js';
import { POLICY_BUNDLE, POLICY_WASM } from './policy-source.js';
import { SqlStateStore } from './sql-store.js';
import { tenantState } from './tenant-state.js';
import { TicketIssuer, type TicketPlan } from './tickets/issuer.js';
import { WebhookOutbox, type WebhookFetch } from './approvals/webhook.js';

export type { ApprovalReply, DelegatedScope, EdgeDecision, SettleResult };

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
  private desk!: ApprovalDesk;
  private outbox!: WebhookOutbox;
  private delegated!: DelegatedSpend;
  /** The request id of the decision being committed (decisions commit one at a time). */
  private requestId: string | null = null;
  /** When the alarm is set for (ms), if it is. */
  private alarmAt: number | null = null;
  private flushFailures = 0;
  /** The tenant being told that this agent has unflushed records, if that is under way. */
  private announcing: Promise<void> | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // The engine must be ready before any call; if the bundle fails to load, every call fails (and is answered 503).
    void ctx.blockConcurrencyWhile(async () => {
      const evaluator = await WasmEvaluator.create(POLICY_WASM, POLICY_BUNDLE);
      const sql = ctx.storage.sql;
      sql.exec('CREATE TABLE IF NOT EXISTS burned_tickets (jti TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)');
      this.audit = new AuditLog(sql);
      this.tickets = new TicketIssuer(sql, () => signingKey(env, 'TICKET_SIGNING_JWK'), env.TICKET_ISSUER);
      this.outbox = new WebhookOutbox(sql);
      this.delegated = new DelegatedSpend(sql);
      this.store = new SqlStateStore(sql);
      this.engine = new StatefulEngine(evaluator, this.store);
      this.engine.onCommit = (request, decision) => this.auditDecision(request, decision);
      this.desk = new ApprovalDesk({
        sql,
        tickets: this.tickets,
        outbox: this.outbox,
        bundle: () => this.ready().bundle,
        record: (agent, kind, fields) => this.record(agent, kind, fields),
        transaction: (work) => this.transaction(work),
        wake: (at) => this.wake(at),
        webhookConfigured: () => Boolean(this.env.APPROVAL_WEBHOOK_URL),
      });
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
   * Runs `work` as one SQLite transaction. If it throws, storage rolls back, and so do the
   * in-memory copies (the audit log's head, cached states), so the chain never skips a seq.
   */
  private transaction<T>(work: () => T): T {
    try {
      return this.ctx.storage.transactionSync(work);
    } catch (err) {
      this.audit.reload();
      this.store.forget();
      throw err;
    }
  }

  // ── Decisions ────────────────────────────────────────────────────────────────────────

  /**
   * Decides and commits synchronously; only then, on allow, awaits the ticket's signature.
   * Retries with the same idempotency key get the same decision and the same ticket.
   */
  async decide(request: EngineRequest, requestId?: string, scope?: DelegatedScope): Promise<EdgeDecision> {
    const decision = this.commit([request], requestId, scope)[0];
    const [answer] = await Promise.all([this.ticketed(decision, request), this.announced()]);
    return answer;
  }

  async decideBatch(requests: EngineRequest[], requestId?: string, scope?: DelegatedScope): Promise<EdgeDecision[]> {
    const decisions = this.commit(requests, requestId, scope); // every commit first, in order
    const [answers] = await Promise.all([Promise.all(decisions.map((d, i) => this.ticketed(d, requests[i]))), this.announced()]);
    return answers;
  }

  /** Decides, committing the state and the audit records of every request in one transaction. */
  private commit(requests: EngineRequest[], requestId: string | undefined, scope: DelegatedScope | undefined): EdgeDecision[] {
    const engine = this.ready();
    this.requestId = requestId ?? null;
    try {
      return this.transaction(() => requests.map((r) => (scope ? this.decideDelegated(r, scope) : engine.decide(r))));
    } finally {
      this.requestId = null;
    }
  }

  /**
   * A delegated agent's decision: bounded by every link of its chain before the policy is
   * asked, and starting no more trusted than its delegator was.
   */
  private decideDelegated(request: EngineRequest, scope: DelegatedScope): EdgeDecision {
    const engine = this.ready();
    const now = Date.now();
    const problem = this.delegated.problem(scope, request, now);
    if (problem) {
      const refusal: Decision = { decision: 'deny', code: 'delegation', reasons: [{ rule: null, effect: 'deny', message: problem }], errors: [], redactions: [], policy: { hash: engine.bundle.hash } };
      return this.auditDecision(request, refusal);
    }
    const key = agentKey(request.agent);
    if (scope.trustCeiling !== null && !this.store.get(key)) this.store.put(key, newAgentState(Math.min(engine.bundle.info.trust.initial, scope.trustCeiling), now));
    const before = this.audit.head.seq;
    const decision = engine.decide(request);
    const fresh = this.audit.head.seq > before; // not an idempotent replay
    if (fresh && decision.decision === 'allow') this.delegated.add(request.cost?.usd ?? 0, now);
    return decision;
  }

  /**
   * The engine's commit hook, inside the decision's transaction: the approval a
   * require_approval waits for, the decision's audit record and, on allow, its ticket's
   * (a ticket exists only if the audit knows it).
   */
  private auditDecision(request: EngineRequest, decision: Decision): EdgeDecision {
    const { reply, opened } = decision.decision === 'require_approval' ? this.desk.ask(request, decision) : { reply: decision as EdgeDecision, opened: null };
    const fields = decisionFields({ request, decision: reply, info: this.ready().bundle.info, requestId: this.requestId, approvalId: reply.approval?.id ?? null });
    const audited: EdgeDecision = { ...reply, audit: this.record(who(request.agent), 'decision', fields) };
    if (opened) this.desk.opened(opened, audited.audit!.seq);
    if (audited.decision === 'allow' && this.tickets.enabled) this.planTicket(audited, request);
    return audited;
  }

  private planTicket(reply: EdgeDecision, request: EngineRequest): TicketPlan {
    const plan = this.tickets.plan(reply, request, reply.policy.hash, Math.round(this.ready().bundle.info.tickets.ttlMs / 1000));
    const { jti, action, resource, paramsHash } = plan.subject;
    this.record(who(request.agent), 'ticket_issue', { jti, decision_seq: reply.audit?.seq ?? null, action, resource, params_hash: paramsHash, expires_at: plan.issuedAt + plan.ttlSeconds });
    return plan;
  }

  private async ticketed(decision: EdgeDecision, request: EngineRequest): Promise<EdgeDecision> {
    if (decision.decision !== 'allow' || !this.tickets.enabled) return decision;
    const replan = () => this.transaction(() => this.planTicket(decision, request));
    return { ...decision, ticket: await this.tickets.ticket(decision, request, replan) };
  }

  // ── State, outcomes, the kill switch, tickets ───────────────────────────────────────

  outcome(report: OutcomeReport): AgentView {
    const engine = this.ready();
    return this.transaction(() => {
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
    return this.transaction(() => {
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
    return this.transaction(() => {
      const first = !this.ticketRedeemed(ticket.jti);
      if (first) this.ctx.storage.sql.exec('INSERT INTO burned_tickets (jti, expires_at) VALUES (?, ?)', ticket.jti, ticket.exp * 1000);
      this.record({ tenant: ticket.tenant, agent: ticket.sub }, first ? 'ticket_redeem' : 'ticket_replay', { jti: ticket.jti, by: executor });
      return first;
    });
  }

  /** Whether a ticket's `jti` was redeemed (expired burns are forgotten: the ticket is dead anyway). */
  ticketRedeemed(jti: string): boolean {
    const sql = this.ctx.storage.sql;
    sql.exec('DELETE FROM burned_tickets WHERE expires_at < ?', Date.now());
    return sql.exec('SELECT 1 FROM burned_tickets WHERE jti = ?', jti).toArray().length > 0;
  }

  // ── Delegations ──────────────────────────────────────────────────────────────────────

  /** Records a delegation this agent made, and returns its trust (the child's ceiling). */
  delegationIssued(agent: { id: string; tenant?: string }, fields: { [key: string]: JsonValue }): { trust: number } {
    const engine = this.ready();
    return this.transaction(() => {
      const { trust } = engine.state(agent);
      this.record(who(agent), 'delegation_issue', fields);
      return { trust };
    });
  }

  /** Records a revocation this agent made or suffered. */
  delegationRevoked(agent: { id: string; tenant?: string }, fields: { [key: string]: JsonValue }): void {
    this.ready();
    this.transaction(() => void this.record(who(agent), 'delegation_revoke', fields));
  }

  // ── Approvals ────────────────────────────────────────────────────────────────────────

  /** An approval as `caller` may see it, after a long-poll of up to `waitMs` while pending. */
  approval(id: string, caller: { kind: 'agent' | 'operator'; id: string }, waitMs = 0): Promise<ApprovalReply | null> {
    this.ready();
    return this.desk.read(id, caller, waitMs);
  }

  settleApproval(id: string, verdict: 'approved' | 'denied', operator: string, note: string | null): SettleResult {
    this.ready();
    return this.desk.settle(id, verdict, operator, note);
  }

  listApprovals(status?: ApprovalStatus): Approval[] {
    this.ready();
    return this.desk.list(status);
  }

  // ── The audit chain and the alarm ────────────────────────────────────────────────────

  /** Appends an audit record (synchronously) and makes sure a flush will follow. */
  private record(agent: Who, kind: AuditKind, fields: { [key: string]: JsonValue }): { seq: number; hash: string } {
    if (!this.audit.hasPending) this.announcePending(agent);
    const written = this.audit.append(agent, kind, fields, this.ready().bundle.hash);
    // A failed flush keeps its backoff; otherwise flush soon, or at once when a segment is full.
    if (this.flushFailures === 0) this.wake(Date.now() + (written.seq - this.audit.flushed.seq >= SEGMENT_RECORDS ? 0 : FLUSH_DELAY_MS * (0.5 + Math.random() / 2)));
    return written;
  }

  /**
   * Tells the tenant this agent has records waiting (once per flush cycle, after the
   * commit), so a tenant-wide search finds them before they reach D1. A failure only
   * delays them in such searches until the flush.
   */
  private announcePending(agent: Who): void {
    const told = tenantState(this.env, agent.tenant)
      .auditPending(agent.agent)
      .catch((err: Error) => console.error(`telling the tenant of pending audit records failed: ${err.message}`));
    this.announcing = told;
    this.ctx.waitUntil(told);
  }

  /** Waits for a pending announcement, so that once a decision is answered, a search can find it. */
  private async announced(): Promise<void> {
    const told = this.announcing;
    this.announcing = null;
    await told;
  }

  /** The audit chain's head, what has been flushed, and the records still here. */
  auditTail(): AuditTail {
    this.ready();
    return { head: this.audit.head, flushed: this.audit.flushed, pending: this.audit.pending() };
  }

  /** Makes sure the alarm fires by `at`: an earlier alarm is kept, a later one brought forward. */
  private wake(at: number): void {
    if (this.alarmAt !== null && this.alarmAt <= at) return;
    this.alarmAt = at;
    this.ctx.storage.setAlarm(at).catch(() => (this.alarmAt = null));
  }

  /** Sets the alarm for the earliest work still to do. */
  private scheduleNext(): void {
    const flush = this.audit.hasPending ? Date.now() + (this.flushFailures > 0 ? Math.min(1000 * 2 ** this.flushFailures, MAX_RETRY_MS) : FLUSH_DELAY_MS / 2) : null;
    const next = [this.desk.nextDue(), this.outbox.nextDue(), flush].filter((t): t is number => t !== null);
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
    this.desk.expire();
    await this.desk.index(this.env.AUDIT_DB);
    if (this.env.APPROVAL_WEBHOOK_URL && this.env.APPROVAL_WEBHOOK_SECRET) await this.outbox.deliverDue(this.env.APPROVAL_WEBHOOK_URL, this.env.APPROVAL_WEBHOOK_SECRET, this.webhookFetch);
    try {
      await flushPending(this.audit, this.sinks(), SEGMENT_RECORDS);
      this.flushFailures = 0;
    } catch (err) {
      this.flushFailures++;
      const delay = Math.min(1000 * 2 ** this.flushFailures, MAX_RETRY_MS);
      console.error(`audit flush failed (attempt ${this.flushFailures}); records stay in the agent's object and the flush is retried in ${delay} ms: ${(err as Error).message}`);
    }
    this.scheduleNext();
  }
}
