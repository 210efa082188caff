/**
 * @module
 * The agent's state as callers see it (`engine.state`, `GET /v1/agents/:id`): trust,
 * each rule's budgets and rate windows with what is used and what remains, rolling risk,
 * and whether the agent is suspended and until when.
 */
import type { BundleInfo } from '../../policy/bundle/decode.js';
import type { AgentRecord } from './agent-record.js';

export interface BudgetView {
  rule: string;
  per: 'day' | 'month';
  unit: 'usd' | 'tokens';
  limit: number;
  /** Spent plus reserved in the current period. */
  used: number;
  remaining: number;
}

export interface RateView {
  rule: string;
  limit: number;
  windowMs: number;
  used: number;
  remaining: number;
}

export interface AgentView {
  agent: { id: string; tenant?: string };
  trust: number;
  suspended: boolean;
  /** Why the agent is suspended: the operator's kill switch, or the breaker (until `suspendedUntil`). */
  suspension: 'operator' | 'breaker' | null;
  suspendedUntil: string | null;
  budgets: BudgetView[];
  rates: RateView[];
  risk: { value: number; escalateAt: number; denyAt: number } | null;
}

export function agentView(agent: { id: string; tenant?: string }, state: AgentRecord, info: BundleInfo, now: number): AgentView {
  const budgets: BudgetView[] = [];
  const rates: RateView[] = [];
  for (const rule of info.rules) {
    if (rule.spend) {
      const ledger = rule.spend.per === 'day' ? state.day : state.month;
      const used = ledger.spentUsd + ledger.reservedUsd;
      budgets.push({ rule: rule.id, per: rule.spend.per, unit: 'usd', limit: rule.spend.usd, used, remaining: Math.max(0, rule.spend.usd - used) });
    }
    if (rule.tokens) {
      const ledger = rule.tokens.per === 'day' ? state.day : state.month;
      const used = ledger.spentTokens + ledger.reservedTokens;
      budgets.push({ rule: rule.id, per: rule.tokens.per, unit: 'tokens', limit: rule.tokens.count, used, remaining: Math.max(0, rule.tokens.count - used) });
    }
    if (rule.rate) {
      const used = state.rates[rule.id]?.length ?? 0;
      rates.push({ rule: rule.id, limit: rule.rate.count, windowMs: rule.rate.windowMs, used, remaining: Math.max(0, rule.rate.count - used) });
    }
  }
  const breakerOn = state.suspendedUntil > now;
  return {
    agent,
    trust: state.trust,
    suspended: state.killed || breakerOn,
    suspension: state.killed ? 'operator' : breakerOn ? 'breaker' : null,
    suspendedUntil: breakerOn && !state.killed ? new Date(state.suspendedUntil).toISOString() : null,
    budgets,
    rates,
    risk: info.risk ? { value: state.risk.reduce((sum, [, r]) => sum + r, 0), escalateAt: info.risk.escalateAt, denyAt: info.risk.denyAt } : null,
  };
}
