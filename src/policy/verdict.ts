/**
 * @module
 * The evaluator contract shared by the reference evaluator and the WASM engine: what goes
 * in (`EvalRequest`: the request plus the agent's state as facts) and what comes out
 * (`Verdict`: structured, before messages are attached). Two engines agree when their
 * verdicts are deep-equal.
 */
import type { JsonValue } from '../lib/json.js';
import type { Detector, Effect } from './model.js';

/** Codes a decision can carry (DESIGN §3). */
export const DECISION_CODES = [
  'rule',
  'no_match',
  'suspended',
  'unregistered_action',
  'params',
  'dlp',
  'rate_limited',
  'budget_exceeded',
  'risk',
  'shadow',
  'invalid_request',
  'evaluator_error',
  // Edge-only: the agent has too many approvals pending; the request is outside its delegation.
  'approval_limit',
  'delegation',
  // The embed API's answer to an idempotency key reused with another request (the edge answers 409).
  'idempotency_mismatch',
] as const;
export type DecisionCode = (typeof DECISION_CODES)[number];

export interface EvalAgent {
  id: string;
  tenant?: string;
  roles?: string[];
}

export interface DelegationFacts {
  depth: number;
  root: string;
  chain: string[];
}

export interface SpendFacts {
  usd?: number;
  tokens?: number;
}

/** The agent's state as the evaluator sees it. The stateful layer fills this in. */
export interface Facts {
  trust?: number;
  /** Rolling risk: sum of the risk of requests allowed within the risk window before this one. */
  risk?: number;
  suspended?: boolean;
  /** The agent-wide ledger for `budgets:`: spent plus reserved, per UTC period. Dollars, at most 6 decimals. */
  spend?: { day?: SpendFacts; month?: SpendFacts };
  /** Per rule id: that rule's own ledger, spent plus reserved in the periods of its limits. */
  ledgers?: Record<string, SpendFacts>;
  /** Per rule id: requests allowed within the rule's rate window before this one. */
  rates?: Record<string, number>;
  /** Milliseconds since the epoch; `now.*` reads it. Defaults to 0. */
  now?: number;
}

/** One request to decide (DESIGN §3 body plus the agent and its facts). */
export interface EvalRequest {
  action: string;
  resource: string;
  params?: { [key: string]: JsonValue };
  context?: { [key: string]: JsonValue };
  cost?: { usd?: number; tokens?: number };
  agent: EvalAgent;
  delegation?: DelegationFacts;
  facts?: Facts;
}

export type ParamsViolation =
  'required' | 'type' | 'integer' | 'min' | 'max' | 'max_length' | 'enum' | 'pattern' | 'unknown';
export const PARAMS_VIOLATIONS: readonly ParamsViolation[] = [
  'required',
  'type',
  'integer',
  'min',
  'max',
  'max_length',
  'enum',
  'pattern',
  'unknown',
];

export type EvalErrorKind = 'missing_attribute' | 'type_error' | 'division_by_zero';
export const EVAL_ERROR_KINDS: readonly EvalErrorKind[] = ['missing_attribute', 'type_error', 'division_by_zero'];

/** A rule whose condition failed to evaluate: the rule does not match. */
export interface RuleError {
  rule: number;
  kind: EvalErrorKind;
  /** The path that was missing, or the operator that was ill-typed. */
  detail: string;
}

export interface Redaction {
  /** Where the string is, as `params.a.b[2]`. */
  path: string;
  /** UTF-16 offsets into that string. */
  start: number;
  end: number;
  detector: Detector;
}

export type VerdictDetail =
  | { kind: 'params'; violation: ParamsViolation; param: string }
  /** `detector` is a built-in detector or a custom one's name. */
  | { kind: 'dlp'; detector: string; path: string }
  | { kind: 'invalid_request'; message: string }
  | { kind: 'evaluator_error'; message: string };

/** The structured result of one evaluation. */
/** What shadow rules would have decided, and which of them (indices in the bundle's id order). */
export interface ShadowVerdict {
  decision: Effect;
  code: DecisionCode;
  rules: number[];
}

export interface Verdict {
  decision: Effect;
  code: DecisionCode;
  /** Indices (in the bundle's id order) of the rules behind the decision, ascending. */
  rules: number[];
  detail: VerdictDetail | null;
  errors: RuleError[];
  redactions: Redaction[];
  /**
   * For a require_approval: the matching allow rules whose limits the request passed. An
   * approval consumes as an allow by them would (rate slots, their ledgers, risk).
   */
  held: number[];
  /**
   * Whole-bundle shadow (`code: 'shadow'`): the real verdict that was answered allow.
   * Per-rule shadow: the verdict the shadow rules would have produced, when it differs.
   * `rules`: the shadow rules behind it (indices, ascending), which flipped the answer.
   */
  shadow: ShadowVerdict | null;
}

/**
 * The verdict the agent's state follows: the answer, except under whole-bundle shadow
 * mode, which is log-only and so consumes as the real verdict would.
 */
export function stateVerdict(o: Pick<Verdict, 'decision' | 'code' | 'shadow'>): {
  decision: Effect;
  code: DecisionCode;
} {
  return o.code === 'shadow' && o.shadow ? o.shadow : { decision: o.decision, code: o.code };
}

/** A deny that no evaluation produced: a malformed request, or an evaluator that could not decide. */
export function failedVerdict(code: 'invalid_request' | 'evaluator_error', message: string): Verdict {
  return {
    decision: 'deny',
    code,
    rules: [],
    held: [],
    detail: { kind: code, message },
    errors: [],
    redactions: [],
    shadow: null,
  };
}

/** Converts epoch milliseconds to the `now.*` fields, all UTC. */
export function nowFields(
  ms: number,
): Record<'unix' | 'year' | 'month' | 'day' | 'hour' | 'minute' | 'weekday', number> {
  const d = new Date(ms);
  return {
    unix: Math.floor(ms / 1000),
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    weekday: d.getUTCDay(),
  };
}
