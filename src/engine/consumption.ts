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
import { toMicros } from '../policy/money.js';
import { stateVerdict, type EvalRequest, type Verdict } from '../policy/verdict.js';

export interface Consumption {
  /** Rule ids whose rate window takes this request. */
  rates: string[];
  /** Rule ids whose own ledgers take its cost: the allowing rules with a spend or token limit. */
  ledgers: string[];
  /** The cost, in integer micro-dollars. */
  micros: number;
  tokens: number;
  risk: number;
}

export const NOTHING: Consumption = Object.freeze({
  rates: [],
  ledgers: [],
  micros: 0,
  tokens: 0,
  risk: 0,
}) as Consumption;

/** The consumption of a verdict; whole-bundle shadow decisions consume as their real verdict would. */
export function consumption(verdict: Verdict, info: BundleInfo, request: EvalRequest): Consumption {
  return stateVerdict(verdict).decision === 'allow' ? consumedBy(verdict.rules, info, request) : NOTHING;
}

/** What approving a require_approval consumes: what an allow by the rules it held would. */
export function approvalConsumption(verdict: Verdict, info: BundleInfo, request: EvalRequest): Consumption {
  return consumedBy(verdict.held, info, request);
}

function consumedBy(indices: number[], info: BundleInfo, request: EvalRequest): Consumption {
  const rules = indices.map((i) => info.rules[i]);
  return {
    rates: rules.filter((r) => r.rate !== null).map((r) => r.id),
    ledgers: rules.filter((r) => r.spend !== null || r.tokens !== null).map((r) => r.id),
    micros: toMicros(request.cost?.usd ?? 0) ?? 0,
    tokens: request.cost?.tokens ?? 0,
    risk: rules.reduce((sum, r) => sum + r.risk, 0),
  };
}
