/**
 * @module
 * The reference evaluator: DESIGN §2 written as plainly as possible. It is the oracle the
 * WASM evaluator is tested against, so clarity wins over speed here.
 *
 * Order: request check → suspension → registry → params schema → DLP deny → rules
 * (deny overrides, then require_approval, then allow, else no_match) → limits → risk →
 * shadow mode. A condition that errors fails closed; shadow rules never change the answer.
 */
import type { PathRoot } from '../expr/ast.js';
import {
  failedVerdict,
  nowFields,
  type DecisionCode,
  type EvalRequest,
  type Verdict,
  type Redaction,
  type RuleError,
} from '../verdict.js';
import { type JsonValue } from '../../lib/json.js';
import { globMatch } from '../glob.js';
import type { Effect, PolicySet } from '../model.js';
import { paramStrings } from '../params-walk.js';
import { requestProblem } from '../request-check.js';
import { detect } from './dlp.js';
import { toMicros } from '../money.js';
import { DLP_TOO_MUCH, dlpViews } from '../dlp-views.js';
import { compiledRegex, EvalFailure, evaluateExpr } from './expression.js';
import { regexMatch } from '../regex/program.js';
import { checkParams } from './params.js';

function anyGlob(globs: string[] | null, text: string): boolean {
  return globs === null || globs.some((g) => globMatch(g, text));
}

function verdict(decision: Effect, code: DecisionCode, rest: Partial<Verdict> = {}): Verdict {
  return { decision, code, rules: [], held: [], detail: null, errors: [], redactions: [], shadow: null, ...rest };
}

/** Decides one request against a checked policy. Pure: the agent's state comes in `facts`. */
export function evaluateReference(policy: PolicySet, request: EvalRequest): Verdict {
  const problem = requestProblem(request);
  if (problem !== null) return failedVerdict('invalid_request', problem);
  const views = policy.dlpDeny.length > 0 || policy.dlpCustom.length > 0 ? dlpViews(request) : [];
  if (views === null) return failedVerdict('invalid_request', DLP_TOO_MUCH);
  const facts = request.facts ?? {};
  const params = request.params ?? {};
  const strings = paramStrings(params);
  const redactions: Redaction[] = [];
  for (const { path, text } of strings) {
    for (const detector of policy.dlpRedact) {
      for (const [start, end] of detect(detector, text)) redactions.push({ path, start, end, detector });
    }
  }
  const finish = (o: Verdict): Verdict => applyShadow(policy, { ...o, redactions });

  if (facts.suspended) return { ...verdict('deny', 'suspended'), redactions };

  const entry = policy.actions.find((a) => globMatch(a.match, request.action)) ?? null;
  if (entry === null && policy.registry === 'closed') return finish(verdict('deny', 'unregistered_action'));
  const violation = entry ? checkParams(entry, params) : null;
  if (violation) return finish(verdict('deny', 'params', { detail: { kind: 'params', ...violation } }));

  for (const { path, text } of views) {
    // Built-in detectors in their order, then custom ones by name.
    const detector =
      policy.dlpDeny.find((d) => detect(d, text).length > 0) ??
      policy.dlpCustom.find((d) => regexMatch(compiledRegex(d.pattern), text))?.name;
    if (detector) return finish(verdict('deny', 'dlp', { detail: { kind: 'dlp', detector, path } }));
  }

  const resourceEntry = policy.resources.find((r) => globMatch(r.match, request.resource)) ?? null;
  const now = nowFields(facts.now ?? 0);
  const agent: Record<string, JsonValue | undefined> = {
    id: request.agent.id,
    tenant: request.agent.tenant,
    roles: request.agent.roles ?? [],
    trust: facts.trust ?? policy.trust.initial,
  };
  const lookup = (root: PathRoot, key: string): JsonValue | undefined => {
    const own = <T extends object>(o: T | undefined | null): JsonValue | undefined =>
      o && Object.hasOwn(o, key) ? (o as Record<string, JsonValue>)[key] : undefined;
    switch (root) {
      case 'agent':
        return agent[key];
      case 'action':
        return key === 'name' ? request.action : own(entry?.attrs);
      case 'resource':
        return key === 'name' ? request.resource : own(resourceEntry?.attrs);
      case 'params':
        return own(params);
      case 'context':
        return own(request.context);
      case 'delegation':
        return own(request.delegation as Record<string, JsonValue> | undefined);
      case 'now':
        return own(now);
    }
  };

  const roles = request.agent.roles ?? [];
  const matched: number[] = [];
  const errors: RuleError[] = [];
  policy.rules.forEach((rule, index) => {
    if (!anyGlob(rule.actions, request.action) || !anyGlob(rule.resources, request.resource)) return;
    if (!anyGlob(rule.agents, request.agent.id)) return;
    if (rule.roles !== null && !rule.roles.some((r) => roles.includes(r))) return;
    if (rule.when) {
      try {
        const v = evaluateExpr(rule.when, lookup);
        if (typeof v !== 'boolean') throw new EvalFailure('type_error', 'condition');
        if (!v) return;
      } catch (err) {
        if (!(err instanceof EvalFailure)) throw err;
        errors.push({ rule: index, kind: err.kind, detail: err.detail });
        // Fail closed: absent data means no match, but any other error can only restrict.
        if (err.kind === 'missing_attribute' || rule.effect === 'allow') return;
      }
    }
    matched.push(index);
  });

  const isShadow = (i: number) => (policy.rules[i].mode ?? policy.mode) === 'shadow';
  const full = { ...combine(policy, matched, request), errors };
  if (!matched.some(isShadow)) return finish(full);
  const enforced = {
    ...combine(
      policy,
      matched.filter((i) => !isShadow(i)),
      request,
    ),
    errors,
  };
  // A whole-bundle shadow with nothing enforced behind the answer is log-only.
  if (policy.mode === 'shadow' && enforced.code === 'no_match') return finish(full);
  const differs = full.decision !== enforced.decision || full.code !== enforced.code;
  const shadow = { decision: full.decision, code: full.code, rules: full.rules.filter(isShadow) };
  return { ...enforced, redactions, shadow: differs ? shadow : null };
}

/**
 * Combines the matching rules (DESIGN §2 steps 3 and 4): deny overrides, then
 * require_approval, then allow, else no_match; then limits and risk.
 */
function combine(policy: PolicySet, matched: number[], request: EvalRequest): Verdict {
  const withEffect = (effect: Effect) => matched.filter((i) => policy.rules[i].effect === effect);
  const denies = withEffect('deny');
  if (denies.length > 0) return verdict('deny', 'rule', { rules: denies });
  const approvals = withEffect('require_approval');
  const allows = withEffect('allow');
  if (approvals.length === 0 && allows.length === 0) return verdict('deny', 'no_match');

  const limited = checkLimits(policy, allows, request);
  if (limited) return limited;
  const risk = request.facts?.risk ?? 0;
  if (policy.risk && risk >= policy.risk.denyAt) return verdict('deny', 'risk');
  if (approvals.length > 0) return verdict('require_approval', 'rule', { rules: approvals, held: allows });
  if (policy.risk && risk >= policy.risk.escalateAt)
    return verdict('require_approval', 'risk', { rules: allows, held: allows });
  return verdict('allow', 'rule', { rules: allows });
}

/** Dollars in micro-dollars; request-check has already refused anything finer. */
const micros = (usd: number | undefined) => toMicros(usd ?? 0)!;

/**
 * Rate windows first, then each allowing rule's own budgets (its ledger: agent × rule),
 * then the agent-wide `budgets:`. All money in integer micro-dollars: a budget allows
 * while spent + reserved + cost is at most the limit.
 */
function checkLimits(policy: PolicySet, allows: number[], request: EvalRequest): Verdict | null {
  const { rules } = policy;
  const facts = request.facts ?? {};
  const rated = allows.filter((i) => {
    const rate = rules[i].limits.rate;
    return rate !== null && (facts.rates?.[rules[i].id] ?? 0) >= rate.count;
  });
  if (rated.length > 0) return verdict('deny', 'rate_limited', { rules: rated });
  const usd = micros(request.cost?.usd);
  const tokens = request.cost?.tokens ?? 0;
  const overBudget = allows.filter((i) => {
    const { spend, tokens: tokenLimit } = rules[i].limits;
    const ledger = facts.ledgers?.[rules[i].id];
    if (spend && micros(ledger?.usd) + usd > micros(spend.usd)) return true;
    return tokenLimit !== null && (ledger?.tokens ?? 0) + tokens > tokenLimit.count;
  });
  if (overBudget.length > 0) return verdict('deny', 'budget_exceeded', { rules: overBudget });
  const budgets = policy.budgets;
  if (budgets?.spend && micros(facts.spend?.[budgets.spend.per]?.usd) + usd > micros(budgets.spend.usd))
    return verdict('deny', 'budget_exceeded');
  if (budgets?.tokens && (facts.spend?.[budgets.tokens.per]?.tokens ?? 0) + tokens > budgets.tokens.count)
    return verdict('deny', 'budget_exceeded');
  return null;
}

/**
 * Whole-bundle shadow mode answers allow in place of a real deny or require_approval,
 * keeping the real verdict. It applies to a verdict no enforced rule is behind: one from
 * the registry, params or DLP, no_match, or one whose rules are all in shadow mode.
 */
function applyShadow(policy: PolicySet, o: Verdict): Verdict {
  if (o.decision === 'allow' || policy.mode !== 'shadow') return o;
  if (!o.rules.every((i) => (policy.rules[i].mode ?? policy.mode) === 'shadow')) return o;
  return { ...o, decision: 'allow', code: 'shadow', shadow: { decision: o.decision, code: o.code, rules: o.rules } };
}
