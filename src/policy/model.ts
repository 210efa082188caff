/**
 * @module
 * The checked policy model: what every `policies/*.yaml` file merges into. The compiler
 * turns it into a bundle and the reference evaluator decides over it directly.
 */
import type { Expr } from './expr/ast.js';
import type { RateLimit } from './duration.js';

export type Effect = 'allow' | 'deny' | 'require_approval';
export const EFFECTS: readonly Effect[] = ['allow', 'deny', 'require_approval'];
export type Mode = 'enforce' | 'shadow';
export type Period = 'day' | 'month';

export const DETECTORS = [
  'aws_key',
  'openai_key',
  'anthropic_key',
  'github_token',
  'private_key',
  'jwt',
  'db_url',
  'ssn',
  'credit_card',
  'email',
] as const;
export type Detector = (typeof DETECTORS)[number];

export type AttrScalar = string | number | boolean;
export type AttrValue = AttrScalar | AttrScalar[];

export type ParamType = 'string' | 'number' | 'boolean' | 'object' | 'array';
export const PARAM_TYPES: readonly ParamType[] = ['string', 'number', 'boolean', 'object', 'array'];

export interface ParamSchema {
  name: string;
  type: ParamType;
  required: boolean;
  integer: boolean;
  min: number | null;
  max: number | null;
  maxLength: number | null;
  enum: AttrScalar[] | null;
  pattern: string | null;
}

export interface ActionEntry {
  match: string;
  attrs: Record<string, AttrValue>;
  /** Sorted by name; null when the entry declares no schema. */
  params: ParamSchema[] | null;
  additionalParams: boolean;
  /** Params recorded in the audit chain as they are (after DLP redaction); every other param is kept as a SHA-256. */
  logParams: string[];
  /** Where the request's cost comes from: a number param per unit, never the caller's word. */
  cost: ActionCost | null;
}

/** The params an action's cost is read from (`cost: { usd: params.amount_usd }`). */
export interface ActionCost {
  usd: string | null;
  tokens: string | null;
}

export interface ResourceEntry {
  match: string;
  attrs: Record<string, AttrValue>;
}

export interface RuleLimits {
  rate: RateLimit | null;
  spend: { usd: number; per: Period } | null;
  tokens: { count: number; per: Period } | null;
}

/** Agent-wide totals across all rules (`budgets:`). */
export interface Budgets {
  spend: { usd: number; per: Period } | null;
  tokens: { count: number; per: Period } | null;
}

export interface Rule {
  id: string;
  effect: Effect;
  /** Glob lists; null means "any". */
  actions: string[] | null;
  resources: string[] | null;
  agents: string[] | null;
  roles: string[] | null;
  when: Expr | null;
  whenSource: string | null;
  limits: RuleLimits;
  risk: number;
  reason: string | null;
  /** Per-rule override of the bundle's mode; null inherits it. */
  mode: Mode | null;
}

export interface TrustSettings {
  initial: number;
  success: number;
  failure: number;
  exception: number;
  violation: number;
}

export interface RiskSettings {
  windowMs: number;
  escalateAt: number;
  denyAt: number;
}

/** Denial codes the breaker can count. */
export const BREAKER_CODES = [
  'rule',
  'no_match',
  'unregistered_action',
  'params',
  'dlp',
  'rate_limited',
  'budget_exceeded',
  'risk',
  'invalid_request',
] as const;
export type BreakerCode = (typeof BREAKER_CODES)[number];
/**
 * What the breaker counts unless `count:` says otherwise: denials that say something about
 * the agent's conduct. Hitting a limit is the limit working, so it never suspends by default.
 */
export const DEFAULT_BREAKER_COUNT: readonly BreakerCode[] = [
  'rule',
  'dlp',
  'params',
  'unregistered_action',
  'no_match',
];

export interface BreakerSettings {
  denies: number;
  windowMs: number;
  cooldownMs: number;
  /** The denial codes that count toward `denies`. */
  count: BreakerCode[];
}

/** The merged, checked policy of a whole `policies/` folder. */
export interface PolicySet {
  mode: Mode;
  trust: TrustSettings;
  registry: 'open' | 'closed';
  /** First match wins; ordered by file name, then by position in the file. */
  actions: ActionEntry[];
  resources: ResourceEntry[];
  /** Sorted by id, so a rule's index is the same in every engine. */
  rules: Rule[];
  risk: RiskSettings | null;
  breaker: BreakerSettings | null;
  /** Agent-wide budgets; null when none is set. */
  budgets: Budgets | null;
  /** Execution tickets issued on allow at the edge. */
  tickets: TicketSettings;
  approvals: ApprovalSettings;
  delegation: DelegationSettings;
  dlpDeny: Detector[];
  dlpRedact: Detector[];
  /** Custom detectors from policy: a name and an RE2 pattern, effect deny; sorted by name. */
  dlpCustom: CustomDetector[];
  /** The MCP servers the gateway stands in front of (`mcp:`), sorted by name; absent when none. */
  mcpUpstreams?: McpUpstream[];
  /** The HTTP APIs the egress proxy forwards ticketed calls to (`egress:`), sorted by name; absent when none. */
  egressUpstreams?: EgressUpstream[];
}

/** One HTTP API the egress proxy forwards to: action `egress.<name>`, any URL under `url`. */
export interface EgressUpstream {
  name: string;
  /** The base URL: a call's URL must be under it (same origin, and its path below this one). */
  url: string;
  /** The Worker secret the proxy injects; null for none. */
  secret: string | null;
  /** The (lowercase) header the secret goes in, as it is; null for `authorization: Bearer <secret>`. */
  header: string | null;
}

/** One MCP server the gateway stands in front of. */
export interface McpUpstream {
  /** Its route (`/mcp/<name>`) and its tools' action prefix (`mcp.<name>.<tool>`). */
  name: string;
  /** https, or http to loopback in local development. */
  url: string;
  /** The Worker secret injected as the upstream's bearer token; null for none. */
  secret: string | null;
  /** Glob patterns of the tool names it may offer; null for all of them. */
  tools: string[] | null;
  /** What a DLP detector's find in a tool result does: the text is redacted, or the whole result withheld. */
  results: 'redact' | 'block';
}

export interface CustomDetector {
  name: string;
  pattern: string;
}

export interface TicketSettings {
  /** How long a ticket stays redeemable. */
  ttlMs: number;
}

export const DEFAULT_TICKETS: TicketSettings = { ttlMs: 60_000 };

export interface ApprovalSettings {
  /** How long a pending approval waits for a human; then it is denied. */
  ttlMs: number;
  /** Pending approvals one agent may have at once; past it, require_approval is denied. */
  maxPending: number;
  /** How long an approved request's ticket may wait to be claimed; then the approval expires and its reservation is released. */
  claimTtlMs: number;
}

export const DEFAULT_APPROVALS: ApprovalSettings = { ttlMs: 15 * 60_000, maxPending: 20, claimTtlMs: 15 * 60_000 };

export interface DelegationSettings {
  /** The longest delegation chain: a root agent's token has depth 0, its child's 1. */
  maxDepth: number;
}

export const DEFAULT_DELEGATION: DelegationSettings = { maxDepth: 3 };

export const DEFAULT_TRUST: TrustSettings = { initial: 50, success: 1, failure: -1, exception: -2, violation: -5 };
