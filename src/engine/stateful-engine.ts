/**
 * @module
 * The stateful layer: decisions that read and update the agent's state. For each request
 * it loads the agent's record, turns it into the evaluator's facts, evaluates, and commits
 * what the decision consumes — all synchronously, with no `await` between the check and
 * the commit, so that concurrent decisions can never both take the last unit of a limit.
 * The edge's Durable Object and the embed API share it; only the `StateStore` differs.
 *
 * `run` returns what it did (a fresh decision, a replayed reply, or a refused idempotency
 * key) and commits nothing but the agent's state; the caller adds what it owns (the audit
 * record, the approval, the ticket) and then `keep`s the final reply for retries.
 */
import type { Period } from '../policy/model.js';
import {
  failedVerdict,
  stateVerdict,
  type DecisionCode,
  type EvalRequest,
  type Facts,
  type SpendFacts,
} from '../policy/verdict.js';
import { requestProblem } from '../policy/request-check.js';
import { TollgateError } from '../lib/errors.js';
import { approvalConsumption, consumption, type Consumption } from './consumption.js';
import { describeVerdict, type Decision } from './describe.js';
import { Pricing } from './pricing.js';
import { requestHash } from './request-hash.js';
import {
  newAgentRecord,
  newLedgers,
  rollPeriods,
  type AgentRecord,
  type Ledger,
  type Ledgers,
} from './state/agent-record.js';
import { toMicros, toUsd } from '../policy/money.js';
import { agentView, type AgentView } from './state/agent-view.js';
import type { OpenDecision, StateStore } from './state/store.js';
import { pruneWindow, windowSum } from './state/windows.js';
import type { WasmEvaluator } from './wasm-evaluator.js';
import { outcomeProblem, type OutcomeReport } from './outcome-report.js';

export { OUTCOMES, outcomeProblem, type OutcomeKind, type OutcomeReport } from './outcome-report.js';

/** A request to the stateful engine: the decision body plus the agent; no facts. */
export type EngineRequest = Omit<EvalRequest, 'facts'> & { idempotency_key?: string };

/** An agent as the engine names it. */
export type AgentName = { id: string; tenant?: string };

/** What bounds a decision beyond the policy: a delegated agent's trust ceiling, and a halt of its whole tenant. */
export interface DecideScope {
  trustCeiling?: number | null;
  /** The agent's tenant is halted: the agent is suspended, as by its own kill switch. */
  halted?: boolean;
}

/** What `run` did. */
export type DecisionRun =
  /** A new decision, committed to the agent's state. `request` is as priced (cost from params). */
  | { kind: 'fresh'; decision: Decision; request: EngineRequest; keepable: boolean }
  /** A retry with the same idempotency key and request: the reply kept for it. */
  | { kind: 'replayed'; reply: unknown }
  /** The idempotency key came with a different request before: denied (code `idempotency_mismatch`), and nothing committed. */
  | { kind: 'mismatch'; decision: Decision };

/** Idempotent replies are kept this long, and at most this many per agent. */
export const REPLY_TTL_MS = 24 * 3_600_000;
export const MAX_REPLIES = 10_000;
/** An allowed decision's outcome may be reported this long; then its estimate stands as spent. */
export const OPEN_DECISION_TTL_MS = 24 * 3_600_000;
export const MAX_OPEN_DECISIONS = 10_000;
/** How often an agent's replies and open decisions are pruned. */
const PRUNE_EVERY_MS = 60_000;

/**
 * The agent's key in a `StateStore`: the (tenant, id) pair, encoded so that no two pairs
 * meet (tenant `demo` agent `x:y` is not tenant `demo:x` agent `y`).
 */
export function agentKey(agent: AgentName): string {
  return JSON.stringify([agent.tenant ?? '', agent.id]);
}

/** Spent plus reserved, in dollars for the evaluator's facts: usd from one ledger, tokens from another. */
function ledgerFacts(usd: Ledger, tokens: Ledger): SpendFacts {
  return { usd: toUsd(usd.spentMicros + usd.reservedMicros), tokens: tokens.spentTokens + tokens.reservedTokens };
}

/** Rate windows by rule id, for the bundle in force (built once per bundle, not per decision). */
function rateWindows(evaluator: WasmEvaluator): Map<string, number> {
  return new Map(evaluator.info.rules.filter((r) => r.rate !== null).map((r) => [r.id, r.rate!.windowMs]));
}

/** The periods of each limited rule's ledgers, for the bundle in force (built once per bundle). */
function ledgerPeriods(evaluator: WasmEvaluator): Map<string, { usd: Period; tokens: Period }> {
  const limited = evaluator.info.rules.filter((r) => r.spend !== null || r.tokens !== null);
  return new Map(limited.map((r) => [r.id, { usd: r.spend?.per ?? 'day', tokens: r.tokens?.per ?? 'day' }]));
}

/** Adds a reservation to a day's and a month's ledger. */
function reserve(ledgers: Ledgers, used: Consumption): void {
  ledgers.day.reservedMicros += used.micros;
  ledgers.day.reservedTokens += used.tokens;
  ledgers.month.reservedMicros += used.micros;
  ledgers.month.reservedTokens += used.tokens;
}

export class StatefulEngine {
  private windows: Map<string, number>;
  private periods: Map<string, { usd: Period; tokens: Period }>;
  private pricing: Pricing;

  constructor(
    private evaluator: WasmEvaluator,
    private readonly store: StateStore,
    private readonly clock: () => number = Date.now,
  ) {
    this.windows = rateWindows(evaluator);
    this.periods = ledgerPeriods(evaluator);
    this.pricing = new Pricing(evaluator.info);
  }

  /** The bundle in force. */
  get bundle(): WasmEvaluator {
    return this.evaluator;
  }

  /** Swaps the policy: the next decision uses `evaluator`; no decision sees a mix. */
  swap(evaluator: WasmEvaluator): void {
    this.windows = rateWindows(evaluator);
    this.periods = ledgerPeriods(evaluator);
    this.pricing = new Pricing(evaluator.info);
    this.evaluator = evaluator;
  }

  private load(key: string, now: number): AgentRecord {
    const record = this.store.get(key) ?? newAgentRecord(this.evaluator.info.trust.initial, now);
    rollPeriods(record, now);
    return record;
  }

  /** The agent's record as the evaluator's facts, pruning windows as it goes. */
  private facts(record: AgentRecord, now: number, scope: DecideScope): Facts {
    const { info } = this.evaluator;
    const rates: Record<string, number> = {};
    for (const id of Object.keys(record.rates)) {
      const windowMs = this.windows.get(id);
      if (windowMs === undefined)
        delete record.rates[id]; // the rule is gone, or has no rate any more
      else rates[id] = pruneWindow(record.rates[id], now, windowMs);
    }
    const ceiling = scope.trustCeiling;
    return {
      trust: ceiling === null || ceiling === undefined ? record.trust : Math.min(record.trust, ceiling),
      risk: info.risk ? windowSum(record.risk, now, info.risk.windowMs) : 0,
      suspended: this.suspended(record, now) || scope.halted === true,
      spend: { day: ledgerFacts(record.day, record.day), month: ledgerFacts(record.month, record.month) },
      ledgers: this.ruleLedgerFacts(record),
      rates,
      now,
    };
  }

  /** Each limited rule's own ledger, in the periods of its limits: per decision, only the ledgers the agent has. */
  private ruleLedgerFacts(record: AgentRecord): Record<string, SpendFacts> {
    const out: Record<string, SpendFacts> = {};
    for (const [id, ledgers] of Object.entries(record.ruleLedgers)) {
      const periods = this.periods.get(id);
      if (periods) out[id] = ledgerFacts(ledgers[periods.usd], ledgers[periods.tokens]);
    }
    return out;
  }

  private suspended(record: AgentRecord, now: number): boolean {
    return record.killed || record.suspendedUntil > now;
  }

  private denied(request: EngineRequest, code: 'invalid_request', message: string): Decision {
    return describeVerdict(
      failedVerdict(code, message),
      this.evaluator.info,
      this.evaluator.hash,
      request as EvalRequest,
    );
  }

  /**
   * Decides and commits the agent's state. Synchronous from load to store: nothing can
   * interleave. A kept reply is returned only to a retry of the same request, and never
   * to a suspended agent (it gets a fresh deny instead).
   * INVARIANT: only an allow consumes (rate slots, budget, risk); a deny only feeds the breaker.
   */
  run(request: EngineRequest, scope: DecideScope = {}): DecisionRun {
    const { evaluator } = this;
    if ((request as EvalRequest)?.facts !== undefined) {
      return {
        kind: 'fresh',
        decision: this.denied(request, 'invalid_request', "facts: is kept by the engine and can't be sent"),
        request,
        keepable: false,
      };
    }
    const agent = request?.agent;
    if (typeof agent?.id !== 'string' || (agent.tenant !== undefined && typeof agent.tenant !== 'string')) {
      return { kind: 'fresh', decision: evaluator.decide(request as EvalRequest), request, keepable: false }; // malformed: the evaluator says how, and denies
    }
    const idempotencyKey = request.idempotency_key;
    if (idempotencyKey !== undefined) {
      // A kept reply is bound to a hash of the request, so the request must be well formed before it is hashed.
      const problem = requestProblem(request);
      if (problem !== null)
        return { kind: 'fresh', decision: this.denied(request, 'invalid_request', problem), request, keepable: false };
    }
    const now = this.clock();
    const key = agentKey(agent);
    const record = this.load(key, now);
    this.prune(key, record, now);

    const priced = this.pricing.price(request);
    let keepable = idempotencyKey !== undefined;
    if (idempotencyKey !== undefined) {
      const kept = this.store.reply(key, idempotencyKey);
      if (kept && kept.at > now - REPLY_TTL_MS) {
        if (kept.requestHash !== requestHash('request' in priced ? priced.request : request)) {
          const message = `idempotency_key '${idempotencyKey}' was first used with a different request`;
          return {
            kind: 'mismatch',
            decision: { ...this.denied(request, 'invalid_request', message), code: 'idempotency_mismatch' },
          };
        }
        if (!this.suspended(record, now) && !scope.halted) return { kind: 'replayed', reply: kept.reply };
        keepable = false; // a suspended agent is denied afresh; the first reply stays for after
      }
    }
    if ('problem' in priced)
      return {
        kind: 'fresh',
        decision: this.denied(request, 'invalid_request', priced.problem),
        request,
        keepable: false,
      };

    const withFacts: EvalRequest = { ...priced.request, facts: this.facts(record, now, scope) };
    const verdict = evaluator.evaluate(withFacts);
    const used = consumption(verdict, evaluator.info, priced.request);
    const decision = describeVerdict(verdict, evaluator.info, evaluator.hash, withFacts);
    if (stateVerdict(verdict).decision === 'allow') this.consume(record, used, now);
    if (decision.decision === 'allow') this.open(key, record, decision.id, used, now);
    if (verdict.decision === 'deny') this.recordDenial(record, verdict.code, now);
    this.store.put(key, record);
    return { kind: 'fresh', decision, request: priced.request, keepable };
  }

  /** Keeps the final reply of a fresh decision for retries with its idempotency key. */
  keep(run: DecisionRun, reply: unknown): void {
    if (run.kind !== 'fresh' || !run.keepable) return;
    const { request } = run;
    this.store.putReply(agentKey(request.agent), request.idempotency_key!, {
      requestHash: requestHash(request),
      at: this.clock(),
      reply,
    });
  }

  /** Decides, commits and keeps the reply: `run` and `keep` together, for callers that add nothing to a decision. */
  decide(request: EngineRequest, scope: DecideScope = {}): Decision {
    const run = this.run(request, scope);
    if (run.kind === 'replayed') return run.reply as Decision;
    if (run.kind === 'mismatch') return run.decision;
    this.keep(run, run.decision);
    return run.decision;
  }

  /** Reserves the cost in the agent-wide ledgers and in the ledgers of the rules that allowed it. */
  private consume(record: AgentRecord, used: Consumption, now: number): void {
    for (const id of used.rates) (record.rates[id] ??= []).push(now);
    reserve(record, used);
    for (const id of used.ledgers) reserve((record.ruleLedgers[id] ??= newLedgers(now)), used);
    if (used.risk > 0) record.risk.push([now, used.risk]);
  }

  /** An allowed decision stays open, with its reservation, until its outcome is reported. */
  private open(key: string, record: AgentRecord, id: string, used: Consumption, now: number): void {
    this.store.putOpenDecision(key, {
      id,
      at: now,
      micros: used.micros,
      tokens: used.tokens,
      day: record.day.period,
      month: record.month.period,
      rules: used.ledgers,
    });
  }

  /** The breaker: `denies` denials of the counted codes within `window` suspend the agent for `cooldown`. */
  private recordDenial(record: AgentRecord, code: DecisionCode, now: number): void {
    const breaker = this.evaluator.info.breaker;
    if (!breaker || !(breaker.count as readonly string[]).includes(code)) return;
    record.denials.push(now);
    if (pruneWindow(record.denials, now, breaker.windowMs) >= breaker.denies) {
      record.suspendedUntil = now + breaker.cooldownMs;
      record.denials = [];
    }
  }

  /**
   * Bounds what grows with use, once a minute per agent: replies past their age or count
   * are forgotten, and open decisions past theirs close with their estimate as spent.
   */
  private prune(key: string, record: AgentRecord, now: number): void {
    if (now - record.prunedAt < PRUNE_EVERY_MS) return;
    record.prunedAt = now;
    this.store.pruneReplies(key, now - REPLY_TTL_MS, MAX_REPLIES);
    for (const stale of this.store.takeExpiredDecisions(key, now - OPEN_DECISION_TTL_MS, MAX_OPEN_DECISIONS))
      this.closeReservation(record, stale, { micros: stale.micros, tokens: stale.tokens }, now);
  }

  /**
   * Releases a decision's reservation from the ledgers it was made in (the agent-wide ones
   * and those of the rules that allowed it), and charges `spent` to the current periods'.
   */
  private closeReservation(
    record: AgentRecord,
    open: OpenDecision,
    spent: { micros: number; tokens: number },
    now: number,
  ): void {
    for (const ledgers of [record, ...open.rules.map((id) => (record.ruleLedgers[id] ??= newLedgers(now)))]) {
      for (const [ledger, reservedIn] of [
        [ledgers.day, open.day],
        [ledgers.month, open.month],
      ] as const) {
        // A reservation made in a period that has since closed has nothing left to release.
        if (ledger.period === reservedIn) {
          ledger.reservedMicros = Math.max(0, ledger.reservedMicros - open.micros);
          ledger.reservedTokens = Math.max(0, ledger.reservedTokens - open.tokens);
        }
        ledger.spentMicros += spent.micros;
        ledger.spentTokens += spent.tokens;
      }
    }
  }

  /**
   * Settles exactly the named decision: moves trust by the policy's delta (kept within
   * 0–100), releases that decision's reservation and charges the reported cost (or the
   * estimate, when none is reported). One outcome per decision: a second report, or one
   * for a decision that was never allowed, throws `decision_not_open`.
   */
  outcome(report: OutcomeReport): AgentView {
    const settled = this.settle(report);
    if (!settled.ok) throw new TollgateError('decision_not_open', settled.message);
    return settled.state;
  }

  /** `outcome`, answering a decision that is not open instead of throwing. */
  settle(report: OutcomeReport): { ok: true; state: AgentView } | { ok: false; message: string } {
    const problem = outcomeProblem(report);
    if (problem !== null) throw new TollgateError('request_invalid', problem);
    const now = this.clock();
    const key = agentKey(report.agent);
    const open = this.store.openDecision(key, report.decision);
    if (!open)
      return {
        ok: false,
        message: `decision ${report.decision} has no outcome to report: it was not allowed, its outcome was already reported, or it expired`,
      };
    const record = this.load(key, now);
    const { trust } = this.evaluator.info;
    record.trust = Math.min(100, Math.max(0, record.trust + trust[report.outcome]));
    const micros = report.cost?.usd === undefined ? open.micros : toMicros(report.cost.usd)!;
    this.closeReservation(record, open, { micros, tokens: report.cost?.tokens ?? open.tokens }, now);
    this.store.deleteOpenDecision(key, open.id);
    this.store.put(key, record);
    return { ok: true, state: this.view(report.agent, record, now) };
  }

  /**
   * A human approved a request that was answered require_approval: its limits are checked
   * again, now, and its cost is reserved under the approved decision's id. When the limits
   * no longer allow it, nothing is consumed and the denial says why.
   */
  approve(
    request: EngineRequest,
    decisionId: string,
    scope: DecideScope = {},
  ): { ok: true } | { ok: false; decision: Decision } {
    const now = this.clock();
    const key = agentKey(request.agent);
    const record = this.load(key, now);
    const priced = this.pricing.price(request);
    if ('problem' in priced) return { ok: false, decision: this.denied(request, 'invalid_request', priced.problem) };
    const withFacts: EvalRequest = { ...priced.request, facts: this.facts(record, now, scope) };
    const verdict = this.evaluator.evaluate(withFacts);
    const real = stateVerdict(verdict);
    if (real.decision === 'deny')
      return { ok: false, decision: describeVerdict(verdict, this.evaluator.info, this.evaluator.hash, withFacts) };
    // Approved: consumed as an allow by the rules the require_approval held would be (or,
    // should the policy now allow it outright, as that allow).
    const info = this.evaluator.info;
    const used =
      real.decision === 'allow' ? consumption(verdict, info, withFacts) : approvalConsumption(verdict, info, withFacts);
    this.consume(record, used, now);
    this.open(key, record, decisionId, used, now);
    this.store.put(key, record);
    return { ok: true };
  }

  /** Closes an open decision with nothing spent (an approval whose ticket was never claimed). */
  release(agent: AgentName, decisionId: string): void {
    const now = this.clock();
    const key = agentKey(agent);
    const open = this.store.openDecision(key, decisionId);
    if (!open) return;
    const record = this.load(key, now);
    this.closeReservation(record, open, { micros: 0, tokens: 0 }, now);
    this.store.deleteOpenDecision(key, decisionId);
    this.store.put(key, record);
  }

  /** Whether the agent is suspended now (the kill switch or the breaker). */
  isSuspended(agent: AgentName): boolean {
    const now = this.clock();
    return this.suspended(this.load(agentKey(agent), now), now);
  }

  /** The agent's trust, budgets, rate windows, risk and suspension. */
  state(agent: AgentName): AgentView {
    const now = this.clock();
    return this.view(agent, this.load(agentKey(agent), now), now);
  }

  /** The operator's kill switch: applies to the very next decision. */
  setKilled(agent: AgentName, killed: boolean): AgentView {
    const now = this.clock();
    const key = agentKey(agent);
    const record = this.load(key, now);
    record.killed = killed;
    if (!killed) record.suspendedUntil = 0;
    this.store.put(key, record);
    return this.view(agent, record, now);
  }

  /** The agent's view, from windows pruned to `now` (events that left a window don't count). */
  private view(agent: AgentName, record: AgentRecord, now: number): AgentView {
    this.facts(record, now, {});
    return agentView(agent, record, this.evaluator.info, now);
  }
}
