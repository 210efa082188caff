/**
 * @module
 * Reads what the host needs from a bundle: the symbol table (to intern requests), and the
 * rules' ids, effects, limits and messages (to describe decisions and to keep state).
 * The WASM evaluator validates the rest; this reader checks the bounds of what it reads.
 */
import type { ToolTargets } from '../../mcp/visibility.js';
import { TollgateError } from '../../lib/errors.js';
import type {
  EgressUpstream,
  ActionCost,
  BreakerCode,
  BreakerSettings,
  Budgets,
  CustomDetector,
  Detector,
  Effect,
  McpUpstream,
  Mode,
  Period,
} from '../model.js';
import { toUsd } from '../money.js';
import { sha256 } from '../../lib/sha256.js';
import {
  ABI_VERSION,
  BUNDLE_MAGIC,
  DIGEST_OFFSET,
  FLAG_CLOSED_REGISTRY,
  FLAG_RISK,
  FLAG_SHADOW,
  HEADER_BYTES,
  RULE_BYTES,
  RULE_RATE,
  RULE_SPEND,
  RULE_TOKENS,
  SECTION_COUNT,
  Section,
  BUDGET_USD,
  BUDGET_USD_MONTH,
  BUDGET_TOKENS,
  BUDGET_TOKENS_MONTH,
} from './format.js';
import { BUNDLE_HEADER, readField, RULE, SETTINGS, SPAN } from './layout.js';

/** The detectors tool results are scanned with: the policy's built-in DLP detectors (deny and redact alike) and its custom ones. */
export interface ResultDlp {
  detectors: Detector[];
  custom: CustomDetector[];
}

/** What a rule means to the host. */
export interface RuleInfo {
  index: number;
  id: string;
  effect: Effect;
  reason: string | null;
  mode: Mode | null;
  rate: { count: number; windowMs: number } | null;
  spend: { usd: number; per: Period } | null;
  tokens: { count: number; per: Period } | null;
  risk: number;
}

export interface BundleInfo {
  symbols: string[];
  rules: RuleInfo[];
  mode: Mode;
  registry: 'open' | 'closed';
  trust: { initial: number; success: number; failure: number; exception: number; violation: number };
  risk: { windowMs: number; escalateAt: number; denyAt: number } | null;
  breaker: BreakerSettings | null;
  budgets: Budgets | null;
  /** Whether any DLP detector denies, so the host must build the DLP views. */
  dlpDenies: boolean;
  /** The custom detectors' names, in the order the evaluator numbers them (after the built-in ones). */
  dlpCustom: string[];
  /** The MCP servers the gateway stands in front of, by name. */
  mcpUpstreams: McpUpstream[];
  /** What decides which tools the gateway lists to an agent; null without MCP upstreams. */
  toolTargets: ToolTargets | null;
  /** The detectors the gateway scans tool results with; null without MCP upstreams. */
  resultDlp: ResultDlp | null;
  /** The HTTP APIs the egress proxy forwards to, by name. */
  egressUpstreams: EgressUpstream[];
  tickets: { ttlMs: number };
  approvals: { ttlMs: number; maxPending: number; claimTtlMs: number };
  delegation: { maxDepth: number };
  /** The action registry's patterns, first match wins, with what the host reads: the params the audit records as they are, the params the cost comes from, and the schema's param names. */
  actionSettings: { match: string; logParams: string[]; cost: ActionCost | null; params: string[] }[];
}

const EFFECTS: Effect[] = ['allow', 'deny', 'require_approval'];
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

function budgetsAt(v: DataView, at: number): Budgets | null {
  const flags = readField(v, at, SETTINGS.fields.budgetFlags);
  if (flags === 0) return null;
  return {
    spend:
      flags & BUDGET_USD
        ? {
            usd: toUsd(readField(v, at, SETTINGS.fields.usdBudgetMicros)),
            per: flags & BUDGET_USD_MONTH ? 'month' : 'day',
          }
        : null,
    tokens:
      flags & BUDGET_TOKENS
        ? { count: readField(v, at, SETTINGS.fields.tokenBudget), per: flags & BUDGET_TOKENS_MONTH ? 'month' : 'day' }
        : null,
  };
}

/** Decodes the host's view of a bundle; throws `TollgateError('bundle_invalid')`. */
export function decodeBundle(bytes: Uint8Array): BundleInfo {
  try {
    return decode(bytes);
  } catch (err) {
    if (err instanceof TollgateError) throw err;
    throw new TollgateError('bundle_invalid', `bundle is malformed: ${(err as Error).message.toLowerCase()}`, {
      cause: err,
    });
  }
}

function decode(bytes: Uint8Array): BundleInfo {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const header = BUNDLE_HEADER.fields;
  if (bytes.length < HEADER_BYTES || readField(v, 0, header.magic) !== BUNDLE_MAGIC)
    throw new TollgateError('bundle_invalid', 'not a tollgate bundle (bad magic number)');
  const abi = readField(v, 0, header.abi);
  if (abi !== ABI_VERSION)
    throw new TollgateError('abi_mismatch', `bundle abi version ${abi} is not the supported ${ABI_VERSION}`);
  if (readField(v, 0, header.length) !== bytes.length || readField(v, 0, header.sectionCount) !== SECTION_COUNT)
    throw new TollgateError('bundle_invalid', 'bundle length or section count is wrong');
  // The digest covers every byte, header included, with the digest field itself zeroed.
  const zeroed = new Uint8Array(bytes); // a copy (a Node Buffer's slice() would be a view, and we'd zero the caller's bytes)
  zeroed.fill(0, DIGEST_OFFSET, DIGEST_OFFSET + 32);
  const digest = sha256(zeroed);
  if (!digest.every((b, i) => b === bytes[DIGEST_OFFSET + i]))
    throw new TollgateError('bundle_invalid', 'bundle is corrupt: its digest does not match its content');
  const flags = readField(v, 0, header.flags);
  const section = (s: Section) => {
    const entry = HEADER_BYTES + s * SPAN.bytes;
    const off = readField(v, entry, SPAN.fields.offset);
    const len = readField(v, entry, SPAN.fields.length);
    if (off + len > bytes.length) throw new TollgateError('bundle_invalid', `bundle section ${s} is out of bounds`);
    return off;
  };

  const symAt = section(Section.Symbols);
  const count = v.getUint32(symAt, true);
  if (count > bytes.length / SPAN.bytes)
    throw new TollgateError('bundle_invalid', 'bundle symbol count is out of bounds');
  const dataAt = symAt + 4 + count * SPAN.bytes;
  const symbols: string[] = [];
  for (let i = 0; i < count; i++) {
    const span = symAt + 4 + i * SPAN.bytes;
    const off = readField(v, span, SPAN.fields.offset);
    const len = readField(v, span, SPAN.fields.length);
    if (dataAt + off + len > bytes.length)
      throw new TollgateError('bundle_invalid', `bundle symbol ${i} is out of bounds`);
    symbols.push(utf8.decode(bytes.subarray(dataAt + off, dataAt + off + len)));
  }
  const sym = (id: number) => {
    if (id >= symbols.length) throw new TollgateError('bundle_invalid', `bundle refers to unknown symbol ${id}`);
    return symbols[id];
  };

  const rulesAt = section(Section.Rules);
  const ruleCount = v.getUint32(rulesAt, true);
  if (ruleCount > bytes.length / RULE_BYTES)
    throw new TollgateError('bundle_invalid', 'bundle rule count is out of bounds');
  let m = section(Section.Manifest);
  const f = () => {
    const x = v.getFloat64(m, true);
    m += 8;
    return x;
  };
  const u = () => {
    const x = v.getUint32(m, true);
    m += 4;
    return x;
  };
  const trust = { initial: f(), success: f(), failure: f(), exception: f(), violation: f() };
  const riskWindowMs = f();
  const hasBreaker = u();
  const breaker = { denies: f(), windowMs: f(), cooldownMs: f() };
  const tickets = { ttlMs: f() };
  const settingsAt = section(Section.Settings);
  const rules: RuleInfo[] = [];
  for (let i = 0; i < ruleCount; i++) {
    const r = rulesAt + 4 + i * RULE_BYTES;
    const effect = EFFECTS[readField(v, r, RULE.fields.effect)];
    if (!effect) throw new TollgateError('bundle_invalid', `bundle rule ${i} has an unknown effect`);
    const rflags = readField(v, r, RULE.fields.flags);
    const id = sym(u());
    const reasonSym = v.getInt32(m, true);
    m += 4;
    const modeCode = u();
    const windowMs = f();
    const risk = f();
    rules.push({
      index: i,
      id,
      effect,
      reason: reasonSym >= 0 ? sym(reasonSym) : null,
      mode: modeCode === 0 ? null : modeCode === 1 ? 'enforce' : 'shadow',
      rate: rflags & RULE_RATE ? { count: readField(v, r, RULE.fields.rateCount), windowMs } : null,
      spend:
        rflags & RULE_SPEND
          ? {
              usd: toUsd(readField(v, r, RULE.fields.usdLimitMicros)),
              per: readField(v, r, RULE.fields.usdPerMonth) === 1 ? 'month' : 'day',
            }
          : null,
      tokens:
        rflags & RULE_TOKENS
          ? {
              count: readField(v, r, RULE.fields.tokenLimit),
              per: readField(v, r, RULE.fields.tokensPerMonth) === 1 ? 'month' : 'day',
            }
          : null,
      risk,
    });
  }
  const approvalTtlMs = f();
  const maxPending = u();
  const delegation = { maxDepth: u() };
  const approvals = { ttlMs: approvalTtlMs, maxPending, claimTtlMs: f() };
  const auditLength = u();
  if (m + auditLength > bytes.length) throw new TollgateError('bundle_invalid', 'bundle manifest is out of bounds');
  type ActionJson = { match: string; log_params: string[]; cost?: ActionCost | null; params?: string[] };
  const actionSettings = (JSON.parse(utf8.decode(bytes.subarray(m, m + auditLength))) as ActionJson[]).map((a) => ({
    match: a.match,
    logParams: a.log_params,
    cost: a.cost ?? null,
    params: a.params ?? [],
  }));
  m += auditLength;
  const hostLength = u();
  if (m + hostLength > bytes.length) throw new TollgateError('bundle_invalid', 'bundle manifest is out of bounds');
  const host = JSON.parse(utf8.decode(bytes.subarray(m, m + hostLength))) as {
    breaker_count: BreakerCode[];
    mcp_upstreams?: McpUpstream[];
    mcp_targets?: ToolTargets;
    mcp_result_dlp?: ResultDlp;
    egress_upstreams?: EgressUpstream[];
    dlp_custom: string[];
  };
  return {
    symbols,
    rules,
    mode: flags & FLAG_SHADOW ? 'shadow' : 'enforce',
    registry: flags & FLAG_CLOSED_REGISTRY ? 'closed' : 'open',
    trust,
    risk:
      flags & FLAG_RISK
        ? {
            windowMs: riskWindowMs,
            escalateAt: readField(v, settingsAt, SETTINGS.fields.escalateAt),
            denyAt: readField(v, settingsAt, SETTINGS.fields.denyAt),
          }
        : null,
    breaker: hasBreaker ? { ...breaker, count: host.breaker_count } : null,
    dlpDenies: readField(v, settingsAt, SETTINGS.fields.dlpDenyMask) !== 0 || host.dlp_custom.length > 0,
    dlpCustom: host.dlp_custom,
    mcpUpstreams: host.mcp_upstreams ?? [],
    toolTargets: host.mcp_targets ?? null,
    resultDlp: host.mcp_result_dlp ?? null,
    egressUpstreams: host.egress_upstreams ?? [],
    budgets: budgetsAt(v, settingsAt),
    tickets,
    approvals,
    delegation,
    actionSettings,
  };
}
