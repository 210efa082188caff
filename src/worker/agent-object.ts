/**
 * @module
 * The `AgentObject` Durable Object: one per agent (tenant, id), holding the evaluator warm
 * and the agent's state in SQLite. A short list of RPC verbs over parts loaded once: the
 * stateful engine decides, the audit trail records, the ticket issuer signs, the burned
 * tickets say who redeemed what, the approval desk waits for humans. Each verb commits its
 * parts together in one transaction with no `await` before the commit; only then does it
 * await crypto. Decisions go to the tenant's live feed once committed. The alarm runs the
 * background work.
 */
import { DurableObject } from 'cloudflare:workers';
import type { AuditKind } from '../audit/chain.js';
import { governedDecision } from '../engine/pipeline.js';
import type { AgentView } from '../engine/state/agent-view.js';
import {
  StatefulEngine,
  type AgentName,
  type DecideScope,
  type EngineRequest,
  type OutcomeReport,
} from '../engine/stateful-engine.js';
import { WasmEvaluator } from '../engine/wasm-evaluator.js';
import type { JsonValue } from '../lib/json.js';
import {
  ApprovalDesk,
  type ApprovalReader,
  type ApprovalReply,
  type EdgeDecision,
  type SettleResult,
} from './approvals/desk.js';
import type { Approval, ApprovalStatus } from './approvals/book.js';
import { WebhookOutbox, type WebhookFetch } from './approvals/webhook.js';
import type { AuditSinks } from './audit/flush.js';
import { AuditTrail, type AuditTail, type Who } from './audit/trail.js';
import type { DelegatedScope, OutcomeResult, Reporter } from './agent-rpc.js';
import { edgeGovernance, who } from './edge-governance.js';
import { Alarm } from './alarm.js';
import { tenantDigester } from './audit/digests.js';
import { inventorySnapshot } from './audit/inventory.js';
import { LivePublisher } from './live/publisher.js';
import type { Env } from './env.js';
import { signingKey } from './keys.js';
import { POLICY_BUNDLE, POLICY_WASM } from './policy-source.js';
import { SqlStateStore } from './sql-store.js';
import { BurnedTickets, type BurnableTicket, type BurnResult } from './tickets/burned.js';
import { TicketIssuer, type TicketPlan } from './tickets/issuer.js';

export type { ApprovalReply, AuditTail, DelegatedScope, EdgeDecision, OutcomeResult, Reporter, SettleResult };

export class AgentObject extends DurableObject<Env> {
  private engine: StatefulEngine | null = null;
  private store!: SqlStateStore;
  private trail!: AuditTrail;
  private tickets!: TicketIssuer;
  private burned!: BurnedTickets;
  private desk!: ApprovalDesk;
  private outbox!: WebhookOutbox;
  private readonly alarms: Alarm;
  private readonly live: LivePublisher;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.alarms = new Alarm(ctx.storage);
    this.live = new LivePublisher(env, ctx);
    // The engine must be ready before any call; if the bundle fails to load, every call fails (and is answered 503).
    void ctx.blockConcurrencyWhile(async () => {
      const evaluator = await WasmEvaluator.create(POLICY_WASM, POLICY_BUNDLE);
      const sql = ctx.storage.sql;
      this.trail = new AuditTrail(sql, ctx, env, (at) => this.alarms.wake(at));
      this.tickets = new TicketIssuer(sql, () => signingKey(env, 'TICKET_SIGNING_JWK'), env.TICKET_ISSUER);
      this.burned = new BurnedTickets(sql);
      this.outbox = new WebhookOutbox(sql);
      this.store = new SqlStateStore(sql);
      this.engine = new StatefulEngine(evaluator, this.store);
      this.desk = new ApprovalDesk({
        sql,
        tickets: this.tickets,
        outbox: this.outbox,
        engine: () => this.ready(),
        bundle: () => this.ready().bundle,
        record: (agent, kind, fields) => this.record(agent, kind, fields),
        transaction: (work) => this.transaction(work),
        wake: (at) => this.alarms.wake(at),
        webhookConfigured: () => Boolean(this.env.APPROVAL_WEBHOOK_URL),
      });
      // Work left by an earlier instance (a reset mid-flush, say) is picked up again.
      await this.alarms.load();
      this.scheduleNext();
    });
  }

  private ready(): StatefulEngine {
    if (!this.engine) throw new Error('agent state is not loaded');
    return this.engine;
  }

  /**
   * Runs `work` as one SQLite transaction. If it throws, storage rolls back, and so do the
   * in-memory copies (the audit log's head, cached records), so the chain never skips a seq.
   */
  private transaction<T>(work: () => T): T {
    let result: T;
    try {
      result = this.ctx.storage.transactionSync(work);
    } catch (err) {
      this.trail.log.reload();
      this.store.forget();
      this.live.rolledBack();
      throw err;
    }
    this.live.committedNow();
    return result;
  }

  private record(agent: Who, kind: AuditKind, fields: { [key: string]: JsonValue }): { seq: number; hash: string } {
    const written = this.trail.record(agent, kind, fields, this.ready().bundle.hash);
    if (kind === 'decision') this.live.decided(agent.tenant, agent.agent, new Date().toISOString(), fields);
    return written;
  }

  /** The parts a decision passes through after the policy, for one call. */
  private governance(requestId: string | null, scope: DelegatedScope | undefined) {
    const parts = {
      bundle: this.ready().bundle,
      desk: this.desk,
      tickets: this.tickets,
      record: this.record.bind(this),
      digester: (tenant: string) => tenantDigester(this.env, tenant),
    };
    return edgeGovernance(parts, requestId, scope);
  }

  /** Decides every request in order, committing each one's state and audit records in one transaction; then signs the tickets. */
  async decideBatch(
    requests: EngineRequest[],
    requestId?: string,
    scope?: DelegatedScope,
    halted = false,
  ): Promise<EdgeDecision[]> {
    const engine = this.ready();
    const parts = this.governance(requestId ?? null, scope);
    const decideScope: DecideScope = { trustCeiling: scope?.trustCeiling ?? null, halted };
    const runs = this.transaction(() => requests.map((r) => governedDecision(engine, parts, r, decideScope)));
    const signed = Promise.all(runs.map((run) => this.ticketed(run.reply, run.request, run.plan)));
    const [decisions] = await Promise.all([signed, this.trail.announced()]);
    return decisions;
  }

  async decide(
    request: EngineRequest,
    requestId?: string,
    scope?: DelegatedScope,
    halted = false,
  ): Promise<EdgeDecision> {
    return (await this.decideBatch([request], requestId, scope, halted))[0];
  }

  private async ticketed(reply: EdgeDecision, request: EngineRequest, plan: TicketPlan | null): Promise<EdgeDecision> {
    if (reply.decision !== 'allow' || !this.tickets.enabled) return reply;
    const replan = () => this.transaction(() => this.governance(null, undefined).planTicket(request, reply)!);
    return { ...reply, ticket: await this.tickets.ticket(request, plan, replan) };
  }

  /**
   * Settles the named decision, once. An executor may report only a decision whose ticket
   * it redeemed (`forbidden` otherwise); an operator any of the agent's. A decision already
   * settled, or never allowed, is a `conflict`.
   */
  outcome(report: OutcomeReport, reporter: Reporter): OutcomeResult {
    const engine = this.ready();
    return this.transaction(() => {
      if (reporter.kind === 'executor' && this.burned.redeemerOf(report.decision) !== reporter.id) {
        return {
          ok: false,
          code: 'forbidden',
          message: `only the executor that redeemed decision ${report.decision}'s ticket may report its outcome`,
        };
      }
      const settled = engine.settle(report);
      if (!settled.ok) return { ok: false, code: 'conflict', message: settled.message };
      const cost = report.cost ? { usd: report.cost.usd ?? 0, tokens: report.cost.tokens ?? 0 } : null;
      this.record(who(report.agent), 'outcome', {
        decision_id: report.decision,
        outcome: report.outcome,
        by: reporter.id,
        cost,
        trust: settled.state.trust,
      });
      return settled;
    });
  }

  state(agent: AgentName): AgentView {
    return this.ready().state(agent);
  }

  /** The operator's kill switch; `operator` names who flipped it, for the audit. */
  setKilled(agent: AgentName, killed: boolean, operator = ''): AgentView {
    const engine = this.ready();
    return this.transaction(() => {
      const view = engine.setKilled(agent, killed);
      this.record(who(agent), killed ? 'suspend' : 'resume', { by: operator });
      return view;
    });
  }

  /**
   * Burns a ticket, synchronously (concurrent redemptions of one ticket see exactly one
   * `redeemed`), with an audit record either way. A suspended agent's ticket is refused and
   * left unburned: nothing it was allowed runs until it is resumed.
   */
  burnTicket(
    ticket: BurnableTicket & { sub: string; tenant: string },
    executor = '',
    halted = false,
  ): BurnResult | 'suspended' {
    const engine = this.ready();
    return this.transaction(() => {
      if (halted || engine.state({ tenant: ticket.tenant, id: ticket.sub }).suspended) {
        this.record({ tenant: ticket.tenant, agent: ticket.sub }, 'ticket_refused', {
          jti: ticket.jti,
          decision_id: ticket.decision,
          by: executor,
          reason: halted ? 'tenant_halted' : 'suspended',
        });
        return 'suspended';
      }
      const result = this.burned.burn(ticket, executor);
      const kind = result === 'redeemed' ? 'ticket_redeem' : 'ticket_replay';
      this.record({ tenant: ticket.tenant, agent: ticket.sub }, kind, {
        jti: ticket.jti,
        decision_id: ticket.decision,
        by: executor,
        ...(result === 'expired' ? { expired: true } : {}),
      });
      return result;
    });
  }

  ticketRedeemed(jti: string): boolean {
    return this.burned.redeemed(jti);
  }

  /**
   * Records what a gateway did on this agent's behalf: a call the egress proxy forwarded on
   * one of its tickets, a tool call the MCP gateway forwarded, or a tool it held back.
   */
  recordForwarded(
    agent: AgentName,
    kind: 'egress' | 'tool_call' | 'tool_held',
    fields: { [key: string]: JsonValue },
  ): void {
    this.ready();
    this.transaction(() => this.record(who(agent), kind, fields));
  }

  /** Records a delegation this agent made, or a revocation it made or suffered; returns its trust (a child's ceiling). */
  recordDelegation(
    agent: AgentName,
    kind: 'delegation_issue' | 'delegation_revoke',
    fields: { [key: string]: JsonValue },
  ): { trust: number } {
    const engine = this.ready();
    return this.transaction(() => {
      this.record(who(agent), kind, fields);
      return { trust: engine.state(agent).trust };
    });
  }

  /** An approval as `caller` may see it, after a long-poll of up to `waitMs` while pending. */
  approval(id: string, caller: ApprovalReader, waitMs = 0): Promise<ApprovalReply | null> {
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

  /** The audit chain's head, what has been flushed, and the records still here. */
  auditTail(): AuditTail {
    this.ready();
    return this.trail.tail();
  }

  /** Sets the alarm for the earliest work still to do. */
  private scheduleNext(): void {
    this.alarms.wakeForEarliest([this.desk.nextDue(), this.outbox.nextDue(), this.trail.nextDue()]);
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
    this.alarms.fired();
    this.desk.expire();
    await this.desk.index(this.env.AUDIT_DB);
    if (this.env.APPROVAL_WEBHOOK_URL && this.env.APPROVAL_WEBHOOK_SECRET)
      await this.outbox.deliverDue(this.env.APPROVAL_WEBHOOK_URL, this.env.APPROVAL_WEBHOOK_SECRET, this.webhookFetch);
    await this.trail.flush(this.sinks(), (owner) =>
      inventorySnapshot(this.ready().state({ tenant: owner.tenant, id: owner.agent })),
    );
    this.scheduleNext();
  }
}
