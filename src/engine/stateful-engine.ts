/**
 * @module
 * The stateful layer: decisions that read and update the agent's state. For each request
 * it loads the agent's state, turns it into the evaluator's facts, evaluates, and commits
 * what the outcome consumes — all synchronously, with no `await` between the check and
 * the commit, so that concurrent decisions can never both take the last unit of a limit.
 * The edge's Durable Object and the embed API share it; only the `StateStore` differs.
 */
import { failedOutcome, type EvalRequest, type Facts } from '../policy/decision.js';
import { TollgateError } from '../policy/errors.js';
import { consumption } from './consumption.js';
import { describeOutcome, type Decision } from './decision.js';
import { newAgentState, rollPeriods, type AgentState } from './state/agent-state.js';
import type { StateStore } from './state/store.js';
import { pruneWindow, windowSum } from './state/windows.js';
import type { WasmEvaluator } from './wasm-evaluator.js';
import { agentView, type AgentView } from './state/agent-view.js';

/** A request to the stateful engine: the decision body plus the agent; no facts. */
export type EngineRequest = Omit<EvalRequest, 'facts'> & { idempotency_key?: string };

export type OutcomeKind = 'success' | 'failure' | 'exception' | 'violation';
export const OUTCOMES: readonly OutcomeKind[] = ['success', 'failure', 'exception', 'violation'];

export interface OutcomeReport {
  agent: { id: string; tenant?: string };
  outcome: OutcomeKind;
  /** The actual cost; the reservation's amounts when omitted. */
  cost?: { usd?: number; tokens?: number };
}

/** Null when an outcome report is well formed, otherwise a message naming the field. */
export function outcomeProblem(report: OutcomeReport): string | null {
  if (!OUTCOMES.includes(report?.outcome)) return `outcome: must be one of ${OUTCOMES.join(', ')}`;
  if (typeof report.agent?.id !== 'string' || report.agent.id === '') return 'agent.id: must be a non-empty string';
  const cost = report.cost as unknown;
  if (cost === undefined) return null;
  if (cost === null || typeof cost !== 'object' || Array.isArray(cost)) return 'cost: must be an object';
  for (const [k, v] of Object.entries(cost)) {
    if (k !== 'usd' && k !== 'tokens') return `cost.${k}: is not a known field (expected usd, tokens)`;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) return `cost.${k}: must be a finite number of at least 0`;
  }
  return null;
}

/**
 * Runs inside a decision's synchronous commit, after the state changes and before the reply
 * is kept for idempotent retries. The edge appends the audit record here, so the record and
 * the state commit together; what it returns is the reply.
 */
export type CommitHook = (request: EngineRequest, decision: Decision, now: number) => Decision;

/** Idempotent replies are kept this long. */
const REPLY_TTL_MS = 24 * 3_600_000;

export function agentKey(agent: { id: string; tenant?: string }): string {
  return `${agent.tenant ?? ''}:${agent.id}`;
}

/** Rate windows by rule id, for the bundle in force (built once per bundle, not per decision). */
function rateWindows(evaluator: WasmEvaluator): Map<string, number> {
  return new Map(evaluator.info.rules.filter((r) => r.rate !== null).map((r) => [r.id, r.rate!.windowMs]));
}

export class StatefulEngine {
  private windows: Map<string, number>;
  /** See `CommitHook`. */
  onCommit: CommitHook | null = null;

  constructor(
    private evaluator: WasmEvaluator,
    private readonly store: StateStore,
    private readonly clock: () => number = Date.now,
  ) {
    this.windows = rateWindows(evaluator);
  }

  /** The bundle in force. */
  get bundle(): WasmEvaluator {
    return this.evaluator;
  }

  /** Swaps the policy: the next decision uses `evaluator`; no decision sees a mix. */
  swap(evaluator: WasmEvaluator): void {
    this.windows = rateWindows(evaluator);
    this.evaluator = evaluator;
  }

  private load(key: string, now: number): AgentState {
    const state = this.store.get(key) ?? newAgentState(this.evaluator.info.trust.initial, now);
    rollPeriods(state, now);
    return state;
  }

  /** The agent's state as the evaluator's facts, pruning windows as it goes. */
  private facts(state: AgentState, now: number): Facts {
    const { info } = this.evaluator;
    const rates: Record<string, number> = {};
    for (const id of Object.keys(state.rates)) {
      const windowMs = this.windows.get(id);
      if (windowMs === undefined) delete state.rates[id]; // the rule is gone, or has no rate any more
      else rates[id] = pruneWindow(state.rates[id], now, windowMs);
    }
    return {
      trust: state.trust,
      risk: info.risk ? windowSum(state.risk, now, info.risk.windowMs) : 0,
      suspended: state.killed || state.suspendedUntil > now,
      spend: {
        day: { usd: state.day.spentUsd + state.day.reservedUsd, tokens: state.day.spentTokens + state.day.reservedTokens },
        month: { usd: state.month.spentUsd + state.month.reservedUsd, tokens: state.month.spentTokens + state.month.reservedTokens },
      },
      rates,
      now,
    };
  }

  /**
   * Decides and commits. Synchronous from load to store: nothing can interleave.
   * INVARIANT: only an allow consumes (rate slots, budget, risk); a deny only feeds the breaker.
   */
  decide(request: EngineRequest): Decision {
    const { evaluator } = this;
    if ((request as EvalRequest)?.facts !== undefined) {
      return describeOutcome(failedOutcome('invalid_request', "facts: is kept by the engine and can't be sent"), evaluator.info, evaluator.hash, request as EvalRequest);
    }
    const agent = request?.agent;
    if (typeof agent?.id !== 'string' || (agent.tenant !== undefined && typeof agent.tenant !== 'string')) {
      return evaluator.decide(request as EvalRequest); // malformed: the evaluator says how, and denies
    }
    const now = this.clock();
    const key = agentKey(agent);
    const state = this.load(key, now);
    const idempotencyKey = typeof request.idempotency_key === 'string' ? request.idempotency_key : undefined;
    const earlier = idempotencyKey !== undefined ? state.replies[idempotencyKey] : undefined;
    if (earlier && earlier.at > now - REPLY_TTL_MS) return earlier.reply as Decision;

    const withFacts: EvalRequest = { ...request, facts: this.facts(state, now) };
    const outcome = evaluator.evaluate(withFacts);
    const used = consumption(outcome, evaluator.info, request);
    if ((outcome.shadow?.decision ?? outcome.decision) === 'allow') {
      for (const id of used.rates) (state.rates[id] ??= []).push(now);
      if (used.usd > 0 || used.tokens > 0) this.reserve(state, used.usd, used.tokens);
      if (used.risk > 0) state.risk.push([now, used.risk]);
    }
    if (outcome.decision === 'deny' && outcome.code !== 'suspended') this.recordDenial(state, now);
    const described = describeOutcome(outcome, evaluator.info, evaluator.hash, withFacts);
    const decision = this.onCommit ? this.onCommit(request, described, now) : described;
    if (idempotencyKey !== undefined) {
      for (const [k, r] of Object.entries(state.replies)) if (r.at <= now - REPLY_TTL_MS) delete state.replies[k];
      state.replies[idempotencyKey] = { at: now, reply: decision };
    }
    this.store.put(key, state);
    return decision;
  }

  private reserve(state: AgentState, usd: number, tokens: number): void {
    state.day.reservedUsd += usd;
    state.day.reservedTokens += tokens;
    state.month.reservedUsd += usd;
    state.month.reservedTokens += tokens;
    state.reservations.push({ id: state.nextReservation++, usd, tokens, day: state.day.period, month: state.month.period });
  }

  /** The breaker: `denies` denials within `window` suspend the agent for `cooldown`. */
  private recordDenial(state: AgentState, now: number): void {
    const breaker = this.evaluator.info.breaker;
    if (!breaker) return;
    state.denials.push(now);
    if (pruneWindow(state.denials, now, breaker.windowMs) >= breaker.denies) {
      state.suspendedUntil = now + breaker.cooldownMs;
      state.denials = [];
    }
  }

  /**
   * Reports how an allowed action went: moves trust by the policy's delta (kept within
   * 0–100) and settles the agent's oldest open reservation, refunding what was unused and
   * charging any overrun.
   */
  outcome(report: OutcomeReport): AgentView {
    const problem = outcomeProblem(report);
    if (problem !== null) throw new TollgateError('request_invalid', problem);
    const now = this.clock();
    const key = agentKey(report.agent);
    const state = this.load(key, now);
    const { trust } = this.evaluator.info;
    state.trust = Math.min(100, Math.max(0, state.trust + trust[report.outcome]));
    const reservation = state.reservations.shift();
    const usd = report.cost?.usd ?? reservation?.usd ?? 0;
    const tokens = report.cost?.tokens ?? reservation?.tokens ?? 0;
    for (const [ledger, reservedIn] of [[state.day, reservation?.day], [state.month, reservation?.month]] as const) {
      // A reservation made in a period that has since closed has nothing left to release.
      if (reservation && ledger.period === reservedIn) {
        ledger.reservedUsd = Math.max(0, ledger.reservedUsd - reservation.usd);
        ledger.reservedTokens = Math.max(0, ledger.reservedTokens - reservation.tokens);
      }
      ledger.spentUsd += usd;
      ledger.spentTokens += tokens;
    }
    this.store.put(key, state);
    return this.view(report.agent, state, now);
  }

  /** The agent's trust, budgets, rate windows, risk and suspension. */
  state(agent: { id: string; tenant?: string }): AgentView {
    const now = this.clock();
    return this.view(agent, this.load(agentKey(agent), now), now);
  }

  /** The operator's kill switch: applies to the very next decision. */
  setKilled(agent: { id: string; tenant?: string }, killed: boolean): AgentView {
    const now = this.clock();
    const key = agentKey(agent);
    const state = this.load(key, now);
    state.killed = killed;
    if (!killed) state.suspendedUntil = 0;
    this.store.put(key, state);
    return this.view(agent, state, now);
  }

  /** The agent's view, from windows pruned to `now` (events that left a window don't count). */
  private view(agent: { id: string; tenant?: string }, state: AgentState, now: number): AgentView {
    this.facts(state, now);
    return agentView(agent, state, this.evaluator.info, now);
  }
}
