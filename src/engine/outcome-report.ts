/**
 * @module
 * The report of how an allowed action went. It names the decision it settles; at the
 * edge it comes from the executor that redeemed that decision's ticket, or an operator,
 * never from the agent itself.
 */
import { toMicros } from '../policy/money.js';
import { isDecisionId } from './describe.js';

export type OutcomeKind = 'success' | 'failure' | 'exception' | 'violation';
export const OUTCOMES: readonly OutcomeKind[] = ['success', 'failure', 'exception', 'violation'];

export interface OutcomeReport {
  agent: { id: string; tenant?: string };
  /** The decision this outcome settles (`dec_…`). */
  decision: string;
  outcome: OutcomeKind;
  /** The actual cost; the decision's reservation when omitted. */
  cost?: { usd?: number; tokens?: number };
}

/** Null when an outcome report is well formed, otherwise a message naming the field. */
export function outcomeProblem(report: OutcomeReport): string | null {
  if (!isDecisionId(report?.decision)) return 'decision: must be the id of the decision this outcome settles (dec_…)';
  if (!OUTCOMES.includes(report.outcome)) return `outcome: must be one of ${OUTCOMES.join(', ')}`;
  if (typeof report.agent?.id !== 'string' || report.agent.id === '') return 'agent.id: must be a non-empty string';
  const cost = report.cost as unknown;
  if (cost === undefined) return null;
  if (cost === null || typeof cost !== 'object' || Array.isArray(cost)) return 'cost: must be an object';
  for (const [k, v] of Object.entries(cost)) {
    if (k !== 'usd' && k !== 'tokens') return `cost.${k}: is not a known field (expected usd, tokens)`;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
      return `cost.${k}: must be a finite number of at least 0`;
    if (k === 'usd' && toMicros(v) === null) return 'cost.usd: must be a dollar amount with at most 6 decimals';
  }
  return null;
}
