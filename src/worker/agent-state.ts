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
import { StatefulEngine, type EngineRequest, type OutcomeReport } from '../engine/stateful-engine.js';
import { WasmEvaluator } from '../engine/wasm-evaluator.js';
import type { Env } from './env.js';
import { signingKey } from './keys.js';
import { POLICY_BUNDLE, POLICY_WASM } from './policy-source.js';
import { SqlStateStore } from './sql-store.js';
import { AuditLog } from './audit-log.js';
import { flushBatch, type AuditSinks } from './audit-flush.js';
import { TicketIssuer, type TicketPlan } from './ticket-issuer.js';

/** A decision as the edge answers it: with its audit record, and a ticket on allow. */
export type EdgeDecision = Decision & { audit?: { seq: number; hash: string }; ticket?: string };

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
  private audit!: AuditLog;
  private tickets!: TicketIssuer;
  /** The request id of the decision being committed (decisions commit one at a time). */
  private requestId: string | null = null;
  /** When the next flush is due (ms), if one is scheduled. */
  private flushAt: number | null = null;
  private flushFailures = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // The engine must be ready before any call; if the bundle fails to load, every call fails (and is answered 503).
    void ctx.blockConcurrencyWhile(async () => {
      const evaluator = await WasmEvaluator.create(POLICY_WASM, POLICY_BUNDLE);
      this.audit = new AuditLog(ctx.storage.sql);
      this.tickets = new TicketIssuer(ctx.storage.sql, () => signingKey(env, 'TICKET_SIGNING_JWK'), env.TICKET_ISSUER);
      this.engine = new StatefulEngine(evaluator, new SqlStateStore(ctx.storage.sql));
      this.engine.onCommit = (request, decision) => this.auditDecision(request, decision);
      // Records left by an earlier instance (a reset mid-flush, say) are flushed again.
      if (this.audit.hasPending && (await ctx.storage.getAlarm()) === null) this.scheduleFlush(0);
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
  async decide(request: EngineRequest, requestId?: string): Promise<EdgeDecision> {
    return this.ticketed(this.commit([request], requestId)[0], request);
  }

  async decideBatch(requests: EngineRequest[], requestId?: string): Promise<EdgeDecision[]> {
    const decisions = this.commit(requests, requestId); // every commit first, in order
    return Promise.all(decisions.map((d, i) => this.ticketed(d, requests[i])));
  }

  /** Decides, committing the state and the audit records of every request in one transaction. */
  private commit(requests: EngineRequest[], requestId: string | undefined): EdgeDecision[] {
    const engine = this.ready();
    this.requestId = requestId ?? null;
    try {
      return this.ctx.storage.transactionSync(() => requests.map((r) => engine.decide(r)));
    } finally {
      this.requestId = null;
    }
  }

  /**
   * The engine's commit hook, inside the decision's transaction: the decision's audit
   * record and, on allow, its ticket's (a ticket exists only if the audit knows it).
   */
  private auditDecision(request: EngineRequest, decision: Decision): EdgeDecision {
    const fields = decisionFields({ request, decision, info: this.ready().bundle.info, requestId: this.requestId, approvalId: null });
    const reply: EdgeDecision = { ...decision, audit: this.record(who(request.agent), 'decision', fields) };
    if (reply.decision === 'allow' && this.tickets.enabled) this.planTicket(reply, request);
    return reply;
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
    if (written.seq - this.audit.flushed.seq >= SEGMENT_RECORDS) this.scheduleFlush(0);
    else this.scheduleFlush(FLUSH_DELAY_MS * (0.5 + Math.random() / 2));
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

  /** Makes sure a flush runs within `delayMs`: an earlier one scheduled is kept, a later one brought forward. */
  private scheduleFlush(delayMs: number): void {
    const at = Date.now() + delayMs;
    if (this.flushAt !== null && (this.flushAt <= at || this.flushFailures > 0)) return; // a retry keeps its backoff
    this.flushAt = at;
    this.ctx.storage.setAlarm(at).catch(() => (this.flushAt = null));
  }

  /** Where flushed records go; null when the Worker has no key to sign checkpoints with. */
  protected sinks(): AuditSinks | null {
    const key = signingKey(this.env, 'AUDIT_SIGNING_JWK');
    return key ? { bucket: this.env.AUDIT_BUCKET, db: this.env.AUDIT_DB, key } : null;
  }

  /** Flushes pending records to R2 and D1, a segment at a time. A failure keeps them here and retries with backoff. */
  override async alarm(): Promise<void> {
    this.ready();
    this.flushAt = null;
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
      this.scheduleFlush(delay);
    }
  }
}
