/**
 * @module
 * A request's cost. Where the registry says how (`cost: { usd: params.amount_usd }`), the
 * cost is read from the params, never taken from the caller; otherwise it is the declared
 * `cost`, an estimate the executor's outcome settles.
 */
import type { BundleInfo } from '../policy/bundle/decode.js';
import { globMatch } from '../policy/glob.js';
import { toMicros } from '../policy/money.js';
import type { ActionCost } from '../policy/model.js';
import type { EngineRequest } from './stateful-engine.js';

const MAX_KNOWN_ACTIONS = 4096;
const MAX_KNOWN_LENGTH = 256;

/** The registry's first matching entry's cost rule, for the actions of one bundle. */
export class Pricing {
  private readonly entries: BundleInfo['actionSettings'];
  /** Whether any entry prices from params: when none does, pricing costs nothing per decision. */
  private readonly any: boolean;

  constructor(info: BundleInfo) {
    this.entries = info.actionSettings;
    this.any = this.entries.some((e) => e.cost !== null);
  }

  /** Each action's cost rule, as found: agents repeat their actions, and matching globs per decision adds up. */
  private readonly known = new Map<string, ActionCost | null>();

  private costRule(action: string): ActionCost | null {
    if (!this.any) return null;
    let rule = this.known.get(action);
    if (rule === undefined) {
      rule = this.entries.find((e) => globMatch(e.match, action))?.cost ?? null;
      // Bounded: agents that invent action names can't grow it.
      if (this.known.size >= MAX_KNOWN_ACTIONS) this.known.clear();
      if (action.length <= MAX_KNOWN_LENGTH) this.known.set(action, rule);
    }
    return rule;
  }

  /**
   * The request with its cost derived from params where the registry says so, or a
   * message naming the param when it can't be (the request is then denied).
   */
  price(request: EngineRequest): { request: EngineRequest } | { problem: string } {
    const rule = this.costRule(request.action);
    if (rule === null) return { request };
    const cost = { ...request.cost };
    for (const unit of ['usd', 'tokens'] as const) {
      const param = rule[unit];
      if (param === null) continue;
      const value = request.params?.[param];
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
        return {
          problem: `params.${param}: the action's cost in ${unit} is read from it, so it must be a number of at least 0`,
        };
      }
      if (unit === 'usd' && toMicros(value) === null) {
        return {
          problem: `params.${param}: the action's cost in usd is read from it, so it must be a dollar amount with at most 6 decimals`,
        };
      }
      cost[unit] = value;
    }
    return { request: { ...request, cost } };
  }
}
