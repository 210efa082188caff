/**
 * @module
 * What the audit chain records of a decision, with params made safe to keep: DLP redact
 * spans are blanked, and every param the action's registry entry does not list in
 * `log_params` is replaced by the SHA-256 of its canonical JSON. When DLP found a secret,
 * no param is kept as it is, whatever `log_params` says.
 */
import type { BundleInfo } from '../policy/bundle/decode.js';
import type { EvalRequest, JsonValue, Redaction } from '../policy/decision.js';
import { globMatch } from '../policy/glob.js';
import { sha256Hex } from '../policy/bundle/sha256.js';
import type { Decision } from '../engine/describe.js';
import { canonicalJson } from '../tokens/canonical.js';

/** A decision's audit record, before the chain gives it a `seq`. */
export interface DecisionRecordInput {
  request: Pick<EvalRequest, 'action' | 'resource' | 'params' | 'cost'>;
  decision: Decision;
  info: BundleInfo;
  requestId: string | null;
  /** The pending approval a require_approval opened. */
  approvalId: string | null;
}

const utf8 = new TextEncoder();

/** `sha256:<hex>` of a value's canonical JSON: what the audit keeps of a param it may not log. */
export function valueDigest(value: JsonValue): string {
  return `sha256:${sha256Hex(utf8.encode(canonicalJson(value)))}`;
}

/** A copy of `value` with each redaction at its path (`params.a[1]`) blanked out. */
function redact(value: JsonValue, path: string, spans: Map<string, Redaction[]>): JsonValue {
  if (typeof value === 'string') {
    const here = spans.get(path);
    if (!here) return value;
    let text = value;
    // Right to left, so earlier offsets stay valid.
    for (const r of [...here].sort((a, b) => b.start - a.start)) text = `${text.slice(0, r.start)}[REDACTED:${r.detector}]${text.slice(r.end)}`;
    return text;
  }
  if (Array.isArray(value)) return value.map((item, i) => redact(item, `${path}[${i}]`, spans));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, item]) => [k, redact(item, `${path}.${k}`, spans)]));
  }
  return value;
}

/** The params the registry lets the audit keep as they are, for this action (first matching entry wins). */
export function loggableParams(info: BundleInfo, action: string): ReadonlySet<string> {
  const entry = info.actionSettings.find((a) => globMatch(a.match, action));
  return new Set(entry?.logParams ?? []);
}

/** Params with each DLP redact span blanked: what an operator may be shown. */
export function redactedParams(params: { [key: string]: JsonValue } | undefined, redactions: Redaction[]): { [key: string]: JsonValue } {
  const spans = new Map<string, Redaction[]>();
  for (const r of redactions) (spans.get(r.path) ?? spans.set(r.path, []).get(r.path)!).push(r);
  return redact(params ?? {}, 'params', spans) as { [key: string]: JsonValue };
}

/** Params as the audit keeps them. `secretFound`: DLP denied the request, so nothing is logged as is. */
export function auditParams(params: { [key: string]: JsonValue } | undefined, redactions: Redaction[], loggable: ReadonlySet<string>, secretFound: boolean): { [key: string]: JsonValue } {
  const spans = new Map<string, Redaction[]>();
  for (const r of redactions) (spans.get(r.path) ?? spans.set(r.path, []).get(r.path)!).push(r);
  const out: { [key: string]: JsonValue } = {};
  for (const [name, value] of Object.entries(params ?? {})) {
    const safe = redact(value, `params.${name}`, spans);
    out[name] = loggable.has(name) && !secretFound ? safe : valueDigest(safe);
  }
  return out;
}

/** The fields of a decision's record (the chain adds seq, time, tenant, agent and kind). */
export function decisionFields(input: DecisionRecordInput): { [key: string]: JsonValue } {
  const { request, decision, info } = input;
  const secretFound = decision.code === 'dlp' || decision.shadow?.code === 'dlp';
  const cost = request.cost ? { usd: request.cost.usd ?? 0, tokens: request.cost.tokens ?? 0 } : null;
  return {
    request_id: input.requestId,
    decision_id: decision.id,
    action: request.action,
    resource: request.resource,
    decision: decision.decision,
    code: decision.code,
    rules: [...new Set(decision.reasons.map((r) => r.rule).filter((r): r is string => r !== null))],
    policy_hash: decision.policy.hash,
    shadow: decision.shadow ? { decision: decision.shadow.decision, code: decision.shadow.code } : null,
    cost,
    params: auditParams(request.params, decision.redactions, loggableParams(info, request.action), secretFound),
    redactions: decision.redactions.map((r) => ({ path: r.path, detector: r.detector })),
    approval: input.approvalId,
  };
}
