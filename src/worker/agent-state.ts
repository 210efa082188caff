/**
 * @module
 * The `AgentState` Durable Object: one per `tenant:agent`, holding the evaluator warm and
 * the agent's state in SQLite. A thin shell: the stateful engine does the work, and every
 * RPC method is synchronous from the state it reads to the state it writes.
 */
import { DurableObject } from 'cloudflare:workers';
import type { Decision } from '../engine/decision.js';
import { paramsHash } from '../tokens/canonical.js';
import { issueTicket } from '../tokens/ticket.js';
import type { AgentView } from '../engine/state/agent-view.js';
import { agentKey, StatefulEngine, type EngineRequest, type OutcomeReport } from '../engine/stateful-engine.js';
import { WasmEvaluator } from '../engine/wasm-evaluator.js';
import type { Env } from './env.js';
import { signingKey } from './keys.js';
import { POLICY_BUNDLE, POLICY_WASM } from './policy-source.js';
import { SqlStateStore } from './sql-store.js';

/** A decision as the edge answers it: with a ticket on allow. */
export type EdgeDecision = Decision & { ticket?: string };

export class AgentState extends DurableObject<Env> {
  private engine: StatefulEngine | null = null;
  /** Tickets being signed, by idempotency key, so that concurrent retries share one. */
  private readonly signing = new Map<string, Promise<string>>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // The engine must be ready before any call; if the bundle fails to load, every call fails (and is answered 503).
    void ctx.blockConcurrencyWhile(async () => {
      const evaluator = await WasmEvaluator.create(POLICY_WASM, POLICY_BUNDLE);
      this.engine = new StatefulEngine(evaluator, new SqlStateStore(ctx.storage.sql));
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
  async decide(request: EngineRequest): Promise<EdgeDecision> {
    return this.ticketed(this.ready().decide(request), request);
  }

  async decideBatch(requests: EngineRequest[]): Promise<EdgeDecision[]> {
    const engine = this.ready();
    const decisions = requests.map((r) => engine.decide(r)); // every commit first, in order
    return Promise.all(decisions.map((d, i) => this.ticketed(d, requests[i])));
  }

  private async ticketed(decision: Decision, request: EngineRequest): Promise<EdgeDecision> {
    const engine = this.ready();
    const key = signingKey(this.env, 'TICKET_SIGNING_JWK');
    if (decision.decision !== 'allow' || !key) return decision;
    const sign = () =>
      issueTicket(
        { agent: request.agent.id, tenant: request.agent.tenant ?? '', action: request.action, resource: request.resource, paramsHash: paramsHash(request.params), policyHash: decision.policy.hash },
        key,
        this.env.TICKET_ISSUER,
        Math.floor(Date.now() / 1000),
        Math.round(engine.bundle.info.tickets.ttlMs / 1000),
      );
    if (request.idempotency_key === undefined) return { ...decision, ticket: await sign() };
    const replyKey = `${agentKey(request.agent)}\u0000${request.idempotency_key}`;
    let ticket = this.signing.get(replyKey);
    if (!ticket) {
      const sql = this.ctx.storage.sql;
      sql.exec('CREATE TABLE IF NOT EXISTS reply_tickets (reply_key TEXT PRIMARY KEY, ticket TEXT NOT NULL)');
      const stored = sql.exec<{ ticket: string }>('SELECT ticket FROM reply_tickets WHERE reply_key = ?', replyKey).toArray()[0];
      ticket = stored
        ? Promise.resolve(stored.ticket)
        : sign().then((t) => {
            sql.exec('INSERT OR IGNORE INTO reply_tickets (reply_key, ticket) VALUES (?, ?)', replyKey, t);
            this.signing.delete(replyKey);
            return t;
          });
      this.signing.set(replyKey, ticket); // set before any await: concurrent retries share it
    }
    return { ...decision, ticket: await ticket };
  }

  outcome(report: OutcomeReport): AgentView {
    return this.ready().outcome(report);
  }

  state(agent: { id: string; tenant?: string }): AgentView {
    return this.ready().state(agent);
  }

  setKilled(agent: { id: string; tenant?: string }, killed: boolean): AgentView {
    return this.ready().setKilled(agent, killed);
  }

  /**
   * Burns a ticket's `jti`: true the first time, false on every replay. Synchronous, so
   * concurrent redemptions of one ticket see exactly one true.
   */
  burnTicket(jti: string, expiresAtMs: number): boolean {
    if (this.ticketRedeemed(jti)) return false;
    this.ctx.storage.sql.exec('INSERT INTO burned_tickets (jti, expires_at) VALUES (?, ?)', jti, expiresAtMs);
    return true;
  }

  /** Whether a ticket's `jti` was redeemed (expired burns are forgotten: the ticket is dead anyway). */
  ticketRedeemed(jti: string): boolean {
    const sql = this.ctx.storage.sql;
    sql.exec('CREATE TABLE IF NOT EXISTS burned_tickets (jti TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)');
    sql.exec('DELETE FROM burned_tickets WHERE expires_at < ?', Date.now());
    return sql.exec('SELECT 1 FROM burned_tickets WHERE jti = ?', jti).toArray().length > 0;
  }
}
