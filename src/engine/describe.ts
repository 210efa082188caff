/**
 * @module
 * Turns an evaluator `Verdict` into the decision callers see (DESIGN §3): rule ids instead
 * of indices, and a readable message for every reason and error. Messages never echo
 * param values, so a secret that tripped DLP is never repeated.
 */
import type { BundleInfo, RuleInfo } from '../policy/bundle/decode.js';
import {
  stateVerdict,
  type DecisionCode,
  type EvalErrorKind,
  type EvalRequest,
  type Verdict,
  type ParamsViolation,
  type Redaction,
} from '../policy/verdict.js';
import type { Effect } from '../policy/model.js';

export interface Reason {
  /** The rule behind the reason; null for reasons no rule gives (suspension, schema, DLP…). */
  rule: string | null;
  effect: Effect;
  message: string;
}

export interface DecisionError {
  rule: string;
  code: EvalErrorKind;
  message: string;
}

/** The decision of DESIGN §3, as the embed API and the edge return it. */
export interface Decision {
  /** Names the decision: outcomes, tickets, approvals and audit records refer to it. */
  id: string;
  decision: Effect;
  code: DecisionCode;
  reasons: Reason[];
  errors: DecisionError[];
  redactions: Redaction[];
  /**
   * Whole-bundle shadow (`code: shadow`): the real verdict answered allow. Per-rule shadow:
   * what the shadow rules would have decided, when it differs. `rules`: the shadow rules behind it.
   */
  shadow?: { decision: Effect; code: DecisionCode; rules: string[] };
  policy: { hash: string };
}

const VIOLATION_TEXT: Record<ParamsViolation, string> = {
  required: 'is required',
  type: 'has the wrong type',
  integer: 'must be an integer',
  min: 'is below its minimum',
  max: 'is above its maximum',
  max_length: 'is too long',
  enum: 'is not one of the allowed values',
  pattern: 'does not match its pattern',
  unknown: "is not declared in the action's params schema",
};

const UNIT_TEXT: Record<number, string> = { 1000: 'second', 60_000: 'minute', 3_600_000: 'hour', 86_400_000: 'day' };

function ruleReason(rule: RuleInfo): string {
  if (rule.reason !== null) return rule.reason;
  const verb = rule.effect === 'allow' ? 'allows' : rule.effect === 'deny' ? 'denies' : 'requires approval for';
  return `rule '${rule.id}' ${verb} this request`;
}

function budgetText(rule: RuleInfo, request: EvalRequest): string {
  const parts: string[] = [];
  if (rule.spend) parts.push(`${rule.spend.usd} USD per ${rule.spend.per}`);
  if (rule.tokens) parts.push(`${rule.tokens.count} tokens per ${rule.tokens.per}`);
  const cost = [
    request.cost?.usd !== undefined ? `${request.cost.usd} USD` : '',
    request.cost?.tokens !== undefined ? `${request.cost.tokens} tokens` : '',
  ]
    .filter(Boolean)
    .join(' and ');
  return `this request${cost ? ` (${cost})` : ''} would exceed the budget of rule '${rule.id}' (${parts.join(', ')})`;
}

function reasonsFor(
  o: Verdict,
  real: { decision: Effect; code: DecisionCode },
  info: BundleInfo,
  request: EvalRequest,
): Reason[] {
  const rules = o.rules.map((i) => info.rules[i]);
  const fixed = (message: string): Reason[] => [{ rule: null, effect: real.decision, message }];
  switch (real.code) {
    case 'rule': {
      const errored = new Set(o.errors.map((e) => e.rule));
      const failClosed = ' (its condition failed to evaluate, so the rule applies: fail closed)';
      return rules.map((r) => ({
        rule: r.id,
        effect: r.effect,
        message: ruleReason(r) + (errored.has(r.index) ? failClosed : ''),
      }));
    }
    case 'no_match':
      return fixed('no rule allows this request');
    case 'suspended':
      return fixed('the agent is suspended');
    case 'unregistered_action':
      return fixed(`action '${request.action}' is not in the registry, and the registry is closed`);
    case 'params':
      return o.detail?.kind === 'params'
        ? fixed(`param '${o.detail.param}' ${VIOLATION_TEXT[o.detail.violation]}`)
        : fixed('params break the schema');
    case 'dlp':
      return o.detail?.kind === 'dlp'
        ? fixed(`${o.detail.path} contains a value that looks like ${o.detail.detector.replace('_', ' ')}`)
        : fixed('params contain a secret');
    case 'rate_limited':
      return rules.map((r) => ({
        rule: r.id,
        effect: 'deny',
        message: `rate limit of rule '${r.id}' reached (${r.rate?.count} per ${UNIT_TEXT[r.rate?.windowMs ?? 0] ?? 'window'})`,
      }));
    case 'budget_exceeded':
      return rules.map((r) => ({ rule: r.id, effect: 'deny', message: budgetText(r, request) }));
    case 'risk': {
      const risk = request.facts?.risk ?? 0;
      return real.decision === 'deny'
        ? fixed(`rolling risk ${risk} is at or above ${info.risk?.denyAt}`)
        : fixed(`rolling risk ${risk} is at or above ${info.risk?.escalateAt}, so a human must approve`);
    }
    case 'invalid_request':
    case 'evaluator_error':
      return fixed(o.detail && 'message' in o.detail ? o.detail.message : real.code);
    default:
      return fixed(real.code);
  }
}

// Ids are drawn from a pool of random bytes, refilled every 256 ids: one call to the CSPRNG
// instead of one per decision. Each byte is used once.
const ID_POOL_BYTES = 4096;
const idPool = new Uint8Array(ID_POOL_BYTES);
let idPoolAt = ID_POOL_BYTES;
const HEX_BYTE = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/** A fresh decision id: `dec_` and 32 hex digits (128 random bits). */
export function newDecisionId(): string {
  if (idPoolAt === ID_POOL_BYTES) {
    crypto.getRandomValues(idPool);
    idPoolAt = 0;
  }
  let id = 'dec_';
  for (let i = idPoolAt; i < idPoolAt + 16; i++) id += HEX_BYTE[idPool[i]];
  idPoolAt += 16;
  return id;
}

/** Whether `id` has the shape of a decision id (outcomes name one). */
export function isDecisionId(id: unknown): id is string {
  return typeof id === 'string' && /^dec_[0-9a-f]{32}$/.test(id);
}

function errorMessage(kind: EvalErrorKind, detail: string): string {
  if (kind === 'missing_attribute') return `missing attribute '${detail}'`;
  if (kind === 'division_by_zero') return 'division by zero';
  return detail === 'condition' ? 'the condition is not a boolean' : `type error in '${detail}'`;
}

/** The §3 decision for a verdict of the bundle described by `info`, with hash `hash`. */
export function describeVerdict(o: Verdict, info: BundleInfo, hash: string, request: EvalRequest): Decision {
  const real = stateVerdict(o);
  const decision: Decision = {
    id: newDecisionId(),
    decision: o.decision,
    code: o.code,
    reasons: reasonsFor(o, real, info, request),
    errors: o.errors.map((e) => ({
      rule: info.rules[e.rule].id,
      code: e.kind,
      message: errorMessage(e.kind, e.detail),
    })),
    redactions: o.redactions,
    policy: { hash },
  };
  if (o.shadow) decision.shadow = { ...o.shadow, rules: o.shadow.rules.map((i) => info.rules[i].id) };
  return decision;
}
