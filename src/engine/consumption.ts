/**
 * @module
 * What a decided request consumes from the agent's state: the rate-window slots, the
 * budget reservation and the rolling risk. The stateful layer commits exactly this, in
 * the same synchronous step as the decision.
 *
 * INVARIANT: a request that ends in deny consumes nothing; neither does a
 * require_approval until it is approved.
 */
import type { BundleInfo } from '../policy/bundle/decode.js';
import { stateOutcome, type EvalRequest, type Outcome } from '../policy/decision.js';

export interface Consumption {
  /** Rule ids whose rate window takes this request. */
  rates: string[];
  usd: number;
  tokens: number;
  risk: number;
}

export const NOTHING: Consumption = Object.freeze({ rates: [], usd: 0, tokens: 0, risk: 0 }) as Consumption;

/** The consumption of an outcome; whole-bundle shadow decisions consume as their real outcome would. */
export function consumption(outcome: Outcome, info: BundleInfo, request: EvalRequest): Consumption {
  const real = stateOutcome(outcome).decision;
  if (real !== 'allow') return NOTHING;
  const rules = outcome.rules.map((i) => info.rules[i]);
  return {
    rates: rules.filter((r) => r.rate !== null).map((r) => r.id),
    usd: request.cost?.usd ?? 0,
    tokens: request.cost?.tokens ?? 0,
    risk: rules.reduce((sum, r) => sum + r.risk, 0),
  };
}
