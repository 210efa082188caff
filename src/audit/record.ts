/**
 * @module
 * What the audit chain records of a decision, with params made safe to keep: DLP redact
 * spans are blanked, and every param the action's registry entry does not list in
 * `log_params` is replaced by its keyed digest (`digest.ts`). Param names the action's
 * schema does not declare are digested too, and so are the action and resource names
 * when DLP finds a secret in them. When DLP found a secret, no param is kept as it is,
 * whatever `log_params` says.
 */
import type { BundleInfo } from '../policy/bundle/decode.js';
import type { EvalRequest, Redaction } from '../policy/verdict.js';
import type { JsonValue } from '../lib/json.js';
import { globMatch } from '../policy/glob.js';
import { DETECTORS } from '../policy/model.js';
import { detect } from '../policy/reference/dlp.js';
import type { Decision } from '../engine/describe.js';
import type { ValueDigester } from './digest.js';

/** A decision's audit record, before the chain gives it a `seq`. */
export interface DecisionRecordInput {
  request: Pick<EvalRequest, 'action' | 'resource' | 'params' | 'cost'>;
  decision: Decision;
  info: BundleInfo;
  requestId: string | null;
  /** The pending approval a require_approval opened. */
  approvalId: string | null;
  /** The tenant's keyed digest of what may not be logged. */
  digester: ValueDigester;
}

/** A copy of `value` with each redaction at its path (`params.a[1]`) blanked out. */
function redact(value: JsonValue, path: string, spans: Map<string, Redaction[]>): JsonValue {
  if (typeof value === 'string') {
    const here = spans.get(path);
    if (!here) return value;
    let text = value;
    // Right to left, so earlier offsets stay valid.
    for (const r of [...here].sort((a, b) => b.start - a.start))
      text = `${text.slice(0, r.start)}[REDACTED:${r.detector}]${text.slice(r.end)}`;
    return text;
  }
  if (Array.isArray(value)) return value.map((item, i) => redact(item, `${path}[${i}]`, spans));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, item]) => [k, redact(item, `${path}.${k}`, spans)]));
  }
  return value;
}

/** What the registry says the audit may keep of an action's params (first matching entry wins). */
interface ParamsPolicy {
  /** Params whose values are kept as they are. */
  loggable: ReadonlySet<string>;
  /** Param names kept as they are: the schema's and the loggable ones; any other name is digested. */
  declared: ReadonlySet<string>;
}

function paramsPolicy(info: BundleInfo, action: string): ParamsPolicy {
  const entry = info.actionSettings.find((a) => globMatch(a.match, action));
  const loggable = new Set(entry?.logParams ?? []);
  return { loggable, declared: new Set([...(entry?.params ?? []), ...loggable]) };
}

/** Whether any DLP detector finds something in `text` (names are scanned with every detector, whatever the policy configures). */
function flagged(text: string): boolean {
  return DETECTORS.some((d) => detect(d, text).length > 0);
}

/** Params with each DLP redact span blanked: what an operator may be shown. */
export function redactedParams(
  params: { [key: string]: JsonValue } | undefined,
  redactions: Redaction[],
): { [key: string]: JsonValue } {
  const spans = new Map<string, Redaction[]>();
  for (const r of redactions) (spans.get(r.path) ?? spans.set(r.path, []).get(r.path)!).push(r);
  return redact(params ?? {}, 'params', spans) as { [key: string]: JsonValue };
}

/**
 * Params as the audit keeps them. `secretFound`: DLP denied the request, so nothing is
 * logged as is. Built with `Object.fromEntries`, so `__proto__` is a param like any other.
 */
export function auditParams(
  params: { [key: string]: JsonValue } | undefined,
  redactions: Redaction[],
  policy: ParamsPolicy,
  secretFound: boolean,
  digester: ValueDigester,
): { [key: string]: JsonValue } {
  const spans = new Map<string, Redaction[]>();
  for (const r of redactions) (spans.get(r.path) ?? spans.set(r.path, []).get(r.path)!).push(r);
  return Object.fromEntries(
    Object.entries(params ?? {}).map(([name, value]) => {
      const safe = redact(value, `params.${name}`, spans);
      const keptName = policy.declared.has(name) ? name : digester.digest(name);
      return [keptName, policy.loggable.has(name) && !secretFound ? safe : digester.digest(safe)];
    }),
  );
}

/** The fields of a decision's record (the chain adds seq, time, tenant, agent and kind). */
export function decisionFields(input: DecisionRecordInput): { [key: string]: JsonValue } {
  const { request, decision, info, digester } = input;
  const name = (text: string) => (flagged(text) ? digester.digest(text) : text);
  const secretFound = decision.code === 'dlp' || decision.shadow?.code === 'dlp';
  const cost = request.cost ? { usd: request.cost.usd ?? 0, tokens: request.cost.tokens ?? 0 } : null;
  return {
    request_id: input.requestId,
    decision_id: decision.id,
    action: name(request.action),
    resource: name(request.resource),
    decision: decision.decision,
    code: decision.code,
    rules: [...new Set(decision.reasons.map((r) => r.rule).filter((r): r is string => r !== null))],
    policy_hash: decision.policy.hash,
    shadow: decision.shadow
      ? { decision: decision.shadow.decision, code: decision.shadow.code, rules: decision.shadow.rules }
      : null,
    cost,
    params: auditParams(request.params, decision.redactions, paramsPolicy(info, request.action), secretFound, digester),
    redactions: decision.redactions.map((r) => ({ path: r.path, detector: r.detector })),
    approval: input.approvalId,
  };
}
