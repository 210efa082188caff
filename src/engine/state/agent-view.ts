/**
 * @module
 * The agent's state as callers see it (`engine.state`, `GET /v1/agents/:id`): trust,
 * each rule's budgets and rate windows with what is used and what remains, rolling risk,
 * and whether the agent is suspended and until when.
 */
import type { BundleInfo } from '../../policy/bundle/decode.js';
import type { Period } from '../../policy/model.js';
import { toMicros, toUsd } from '../../policy/money.js';
import type { AgentRecord, Ledgers } from './agent-record.js';

export interface BudgetView {
  /** The rule whose own ledger this is; null for the agent-wide `budgets:`. */
  rule: string | null;
  per: 'day' | 'month';
  unit: 'usd' | 'tokens';
  limit: number;
  /** Spent plus reserved in the current period (dollars for usd). */
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

export function agentView(
  agent: { id: string; tenant?: string },
  state: AgentRecord,
  info: BundleInfo,
  now: number,
): AgentView {
  const budgets: BudgetView[] = [];
  const rates: RateView[] = [];
  const budget = (
    rule: string | null,
    ledgers: Ledgers | undefined,
    spend: { usd: number; per: Period } | null,
    tokens: { count: number; per: Period } | null,
  ) => {
    if (spend) {
      const ledger = ledgers?.[spend.per];
      const used = ledger ? toUsd(ledger.spentMicros + ledger.reservedMicros) : 0;
      budgets.push({
        rule,
        per: spend.per,
        unit: 'usd',
        limit: spend.usd,
        used,
        remaining: Math.max(0, toUsd(toMicros(spend.usd)! - toMicros(used)!)),
      });
    }
    if (tokens) {
      const ledger = ledgers?.[tokens.per];
      const used = ledger ? ledger.spentTokens + ledger.reservedTokens : 0;
      budgets.push({
        rule,
        per: tokens.per,
        unit: 'tokens',
        limit: tokens.count,
        used,
        remaining: Math.max(0, tokens.count - used),
      });
    }
  };
  for (const rule of info.rules) {
    budget(rule.id, state.ruleLedgers[rule.id], rule.spend, rule.tokens);
    if (rule.rate) {
      const used = state.rates[rule.id]?.length ?? 0;
      rates.push({
        rule: rule.id,
        limit: rule.rate.count,
        windowMs: rule.rate.windowMs,
        used,
        remaining: Math.max(0, rule.rate.count - used),
      });
    }
  }
  if (info.budgets) budget(null, state, info.budgets.spend, info.budgets.tokens);
  const breakerOn = state.suspendedUntil > now;
  return {
    agent,
    trust: state.trust,
    suspended: state.killed || breakerOn,
    suspension: state.killed ? 'operator' : breakerOn ? 'breaker' : null,
    suspendedUntil: breakerOn && !state.killed ? new Date(state.suspendedUntil).toISOString() : null,
    budgets,
    rates,
    risk: info.risk
      ? {
          value: state.risk.reduce((sum, [, r]) => sum + r, 0),
          escalateAt: info.risk.escalateAt,
          denyAt: info.risk.denyAt,
        }
      : null,
  };
}
