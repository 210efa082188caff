/**
 * @module
 * Loads a set of policy files into one checked `PolicySet`, or every problem found.
 * Files are merged in name order, so the result never depends on the order given.
 */
import type { Node } from 'yaml';
import { sortIssues, type PolicyIssue } from './errors.js';
import { parseDuration } from './duration.js';
import { checkActions, checkResources, checkSchemaFields } from './check-catalogue.js';
import { contextFields, paramFields, unrequiredPaths } from './check-schemas.js';
import { compileRegex } from './regex/program.js';
import { RegexSyntaxError } from './regex/parse.js';
import { checkLimits, checkRules, reportInExpr, type CheckedRule } from './check-rules.js';
import { checkEgressUpstreams, checkMcpUpstreams, type Checked } from './upstreams.js';
import { globLikePatterns, typecheck, type ExprType, type TypeEnv } from './expr/typecheck.js';
import {
  BREAKER_CODES,
  DEFAULT_BREAKER_COUNT,
  DEFAULT_APPROVALS,
  DEFAULT_DELEGATION,
  DEFAULT_TICKETS,
  DEFAULT_TRUST,
  DETECTORS,
  type ActionEntry,
  type EgressUpstream,
  type McpUpstream,
  type ApprovalSettings,
  type DelegationSettings,
  type ParamSchema,
  type AttrValue,
  type BreakerCode,
  type Budgets,
  type BreakerSettings,
  type CustomDetector,
  type Detector,
  type PolicySet,
  type ResourceEntry,
  type RiskSettings,
  type TicketSettings,
  type TrustSettings,
} from './model.js';
import {
  mappingEntries,
  numberValue,
  oneOf,
  scalarValue,
  sequenceItems,
  SourceFile,
  stringValue,
} from './yaml-source.js';

const TOP_KEYS = [
  'tollgate',
  'mode',
  'trust',
  'context',
  'budgets',
  'registry',
  'actions',
  'resources',
  'rules',
  'risk',
  'breaker',
  'tickets',
  'approvals',
  'delegation',
  'dlp',
  'mcp',
  'egress',
] as const;
/** Tickets live at least a second and at most an hour. */
const TICKET_TTL_RANGE_MS = [1000, 3_600_000] as const;
export const MAX_RULES = 100_000;

/** `warnings` never fail the load: they point at rules that may not do what they seem to. */
export type LoadResult =
  | { ok: true; policy: PolicySet; warnings: PolicyIssue[] }
  | { ok: false; errors: PolicyIssue[]; warnings: PolicyIssue[] };

/** A setting that may be given in at most one file (or identically in several). */
interface Setting<T> {
  value: T;
  file: string;
}

interface FileParts {
  mode?: 'enforce' | 'shadow';
  registry?: 'open' | 'closed';
  trust?: TrustSettings;
  risk?: RiskSettings;
  breaker?: BreakerSettings;
  tickets?: TicketSettings;
  approvals?: ApprovalSettings;
  delegation?: DelegationSettings;
  context?: ParamSchema[];
  budgets?: Budgets;
  actions: ActionEntry[];
  resources: ResourceEntry[];
  rules: CheckedRule[];
  dlpDeny: Detector[];
  dlpRedact: Detector[];
  dlpCustom: (CustomDetector & { node: Node })[];
  mcp: Checked<McpUpstream>[];
  egress: Checked<EgressUpstream>[];
  nodes: Map<string, Node | null>;
}

function durationValue(src: SourceFile, node: Node | null, where: string): number | null {
  const text = stringValue(src, node, where);
  if (text === null) return null;
  const ms = parseDuration(text);
  if (ms === null) src.report(node, 'bad_duration', `${where} '${text}' must look like 30s, 10m, 1h or 7d`);
  return ms;
}

function checkTrust(src: SourceFile, node: Node | null): TrustSettings | undefined {
  const m = mappingEntries(src, node, 'trust', Object.keys(DEFAULT_TRUST));
  if (!m) return undefined;
  const trust = { ...DEFAULT_TRUST };
  for (const [key, value] of m) {
    const range = key === 'initial' ? { min: 0, max: 100 } : { min: -100, max: 100 };
    const v = numberValue(src, value, `trust.${key}`, range);
    if (v !== null) trust[key as keyof TrustSettings] = v;
  }
  return trust;
}

function checkRisk(src: SourceFile, node: Node | null): RiskSettings | undefined {
  const m = mappingEntries(src, node, 'risk', ['window', 'escalate_at', 'deny_at']);
  if (!m) return undefined;
  for (const key of ['window', 'escalate_at', 'deny_at'])
    if (!m.has(key)) src.report(node, 'missing_key', `risk needs '${key}'`);
  if (m.size < 3) return undefined;
  const windowMs = durationValue(src, m.get('window')!, 'risk.window');
  const escalateAt = numberValue(src, m.get('escalate_at')!, 'risk.escalate_at', { min: 0 });
  const denyAt = numberValue(src, m.get('deny_at')!, 'risk.deny_at', { min: 0 });
  if (escalateAt !== null && denyAt !== null && escalateAt > denyAt) {
    src.report(m.get('escalate_at'), 'bad_limit', `risk.escalate_at ${escalateAt} is above risk.deny_at ${denyAt}`);
  }
  return windowMs !== null && escalateAt !== null && denyAt !== null ? { windowMs, escalateAt, denyAt } : undefined;
}

function checkBreaker(src: SourceFile, node: Node | null): BreakerSettings | undefined {
  const m = mappingEntries(src, node, 'breaker', ['denies', 'window', 'cooldown', 'count']);
  if (!m) return undefined;
  const missing = ['denies', 'window', 'cooldown'].filter((key) => !m.has(key));
  for (const key of missing) src.report(node, 'missing_key', `breaker needs '${key}'`);
  if (missing.length > 0) return undefined;
  const denies = numberValue(src, m.get('denies')!, 'breaker.denies', { min: 1, integer: true });
  const windowMs = durationValue(src, m.get('window')!, 'breaker.window');
  const cooldownMs = durationValue(src, m.get('cooldown')!, 'breaker.cooldown');
  const items = m.has('count') ? sequenceItems(src, m.get('count')!, 'breaker.count') : null;
  const codes = items?.map((item, i) => oneOf(src, item, `breaker.count[${i}]`, BREAKER_CODES)) ?? [
    ...DEFAULT_BREAKER_COUNT,
  ];
  if (denies === null || windowMs === null || cooldownMs === null || codes.some((c) => c === null)) return undefined;
  return { denies, windowMs, cooldownMs, count: codes as BreakerCode[] };
}

function checkTickets(src: SourceFile, node: Node | null): TicketSettings | undefined {
  const m = mappingEntries(src, node, 'tickets', ['ttl']);
  if (!m || !m.has('ttl')) return undefined;
  const ttlMs = durationValue(src, m.get('ttl')!, 'tickets.ttl');
  if (ttlMs === null) return undefined;
  if (ttlMs < TICKET_TTL_RANGE_MS[0] || ttlMs > TICKET_TTL_RANGE_MS[1]) {
    src.report(m.get('ttl'), 'bad_duration', 'tickets.ttl must be between 1s and 1h');
    return undefined;
  }
  return { ttlMs };
}

function checkApprovals(src: SourceFile, node: Node | null): ApprovalSettings | undefined {
  const m = mappingEntries(src, node, 'approvals', ['ttl', 'max_pending', 'claim_ttl']);
  if (!m) return undefined;
  const settings = { ...DEFAULT_APPROVALS };
  if (m.has('ttl')) {
    const ttlMs = durationValue(src, m.get('ttl')!, 'approvals.ttl');
    if (ttlMs !== null && (ttlMs < 1000 || ttlMs > 7 * 86_400_000))
      src.report(m.get('ttl'), 'bad_duration', 'approvals.ttl must be between 1s and 7d');
    else if (ttlMs !== null) settings.ttlMs = ttlMs;
  }
  if (m.has('claim_ttl')) {
    const claimMs = durationValue(src, m.get('claim_ttl')!, 'approvals.claim_ttl');
    if (claimMs !== null && (claimMs < 1000 || claimMs > 7 * 86_400_000))
      src.report(m.get('claim_ttl'), 'bad_duration', 'approvals.claim_ttl must be between 1s and 7d');
    else if (claimMs !== null) settings.claimTtlMs = claimMs;
  }
  if (m.has('max_pending')) {
    const max = numberValue(src, m.get('max_pending')!, 'approvals.max_pending', {
      min: 1,
      max: 10_000,
      integer: true,
    });
    if (max !== null) settings.maxPending = max;
  }
  return settings;
}

function checkDelegation(src: SourceFile, node: Node | null): DelegationSettings | undefined {
  const m = mappingEntries(src, node, 'delegation', ['max_depth']);
  if (!m || !m.has('max_depth')) return undefined;
  const maxDepth = numberValue(src, m.get('max_depth')!, 'delegation.max_depth', { min: 0, max: 16, integer: true });
  return maxDepth === null ? undefined : { maxDepth };
}

const DETECTOR_NAME = /^[a-z][a-z0-9_]{0,63}$/;

/** A custom detector: `{ name, pattern, effect: deny }`, its pattern RE2 as for `matches`. */
function checkCustomDetector(src: SourceFile, m: Map<string, Node | null>, where: string, parts: FileParts): void {
  const name = stringValue(src, m.get('name') ?? null, `${where}.name`);
  const pattern = stringValue(src, m.get('pattern') ?? null, `${where}.pattern`);
  const effect = m.has('effect') ? oneOf(src, m.get('effect')!, `${where}.effect`, ['deny', 'redact'] as const) : null;
  if (!m.has('effect')) src.report(m.get('name') ?? null, 'missing_key', `${where} needs 'effect: deny'`);
  if (effect === 'redact')
    src.report(
      m.get('effect')!,
      'bad_value',
      `${where}.effect: a custom detector can only deny (redaction needs the built-in detectors' spans)`,
    );
  if (name !== null && !DETECTOR_NAME.test(name))
    src.report(m.get('name')!, 'bad_value', `${where}.name '${name}' must match [a-z][a-z0-9_]*`);
  else if (name !== null && (DETECTORS as readonly string[]).includes(name))
    src.report(m.get('name')!, 'bad_value', `${where}.name '${name}' is a built-in detector; use 'detect: [${name}]'`);
  if (pattern === null) return;
  try {
    compileRegex(pattern);
  } catch (err) {
    if (!(err instanceof RegexSyntaxError)) throw err;
    return src.report(
      m.get('pattern')!,
      'bad_regex',
      `${where}.pattern: ${err.message} (at offset ${err.pos} of the pattern)`,
    );
  }
  if (name !== null && effect === 'deny' && DETECTOR_NAME.test(name))
    parts.dlpCustom.push({ name, pattern, node: m.get('name')! });
}

function checkDlp(src: SourceFile, node: Node | null, parts: FileParts): void {
  sequenceItems(src, node, 'dlp').forEach((item, i) => {
    const m = mappingEntries(src, item, `dlp[${i}]`, ['detect', 'effect', 'name', 'pattern']);
    if (!m) return;
    if (m.has('name') || m.has('pattern')) {
      if (m.has('detect'))
        return src.report(
          m.get('detect')!,
          'bad_value',
          `dlp[${i}] is either built-in detectors ('detect') or one custom detector ('name' and 'pattern'), not both`,
        );
      if (!m.has('name') || !m.has('pattern'))
        return src.report(item, 'missing_key', `dlp[${i}] needs both 'name' and 'pattern'`);
      return checkCustomDetector(src, m, `dlp[${i}]`, parts);
    }
    if (!m.has('detect') || !m.has('effect'))
      return src.report(item, 'missing_key', `dlp[${i}] needs 'detect' and 'effect'`);
    const effect = oneOf(src, m.get('effect')!, `dlp[${i}].effect`, ['deny', 'redact'] as const);
    const detectors = sequenceItems(src, m.get('detect')!, `dlp[${i}].detect`).map((n, j) =>
      oneOf(src, n, `dlp[${i}].detect[${j}]`, DETECTORS),
    );
    const target = effect === 'deny' ? parts.dlpDeny : effect === 'redact' ? parts.dlpRedact : null;
    for (const d of detectors) if (d && target) target.push(d);
  });
}

function checkFile(src: SourceFile): FileParts {
  const parts: FileParts = {
    actions: [],
    resources: [],
    rules: [],
    dlpDeny: [],
    dlpRedact: [],
    dlpCustom: [],
    mcp: [],
    egress: [],
    nodes: new Map(),
  };
  if (src.root === null) return parts;
  const top = mappingEntries(src, src.root, 'the top level', TOP_KEYS);
  if (!top) return parts;
  parts.nodes = top;
  for (const [key, node] of top) {
    switch (key) {
      case 'tollgate':
        if (scalarValue(node) !== 1)
          src.report(node, 'bad_value', `tollgate must be 1 (the schema version), not ${String(scalarValue(node))}`);
        break;
      case 'mode':
        parts.mode = oneOf(src, node, 'mode', ['enforce', 'shadow'] as const) ?? undefined;
        break;
      case 'registry':
        parts.registry = oneOf(src, node, 'registry', ['open', 'closed'] as const) ?? undefined;
        break;
      case 'trust':
        parts.trust = checkTrust(src, node);
        break;
      case 'risk':
        parts.risk = checkRisk(src, node);
        break;
      case 'breaker':
        parts.breaker = checkBreaker(src, node);
        break;
      case 'tickets':
        parts.tickets = checkTickets(src, node);
        break;
      case 'approvals':
        parts.approvals = checkApprovals(src, node);
        break;
      case 'delegation':
        parts.delegation = checkDelegation(src, node);
        break;
      case 'budgets': {
        const { spend, tokens } = checkLimits(src, node, 'budgets', ['spend', 'tokens']);
        parts.budgets = { spend, tokens };
        break;
      }
      case 'context':
        parts.context = node ? checkSchemaFields(src, node, 'context') : [];
        break;
      case 'actions':
        parts.actions = checkActions(src, node);
        break;
      case 'resources':
        parts.resources = checkResources(src, node);
        break;
      case 'rules':
        parts.rules = checkRules(src, node);
        break;
      case 'dlp':
        checkDlp(src, node, parts);
        break;
      case 'mcp':
        parts.mcp = checkMcpUpstreams(src, node);
        break;
      case 'egress':
        parts.egress = checkEgressUpstreams(src, node);
        break;
    }
  }
  return parts;
}

/** Declared attribute types: one type when every entry agrees, `dyn` otherwise. */
function attrTypes(entries: { attrs: Record<string, AttrValue> }[]): Map<string, ExprType> {
  const types = new Map<string, ExprType>();
  for (const e of entries) {
    for (const [k, v] of Object.entries(e.attrs)) {
      const t: ExprType = Array.isArray(v)
        ? 'list'
        : typeof v === 'number'
          ? 'num'
          : typeof v === 'string'
            ? 'str'
            : 'bool';
      const seen = types.get(k);
      types.set(k, seen === undefined || seen === t ? t : 'dyn');
    }
  }
  return types;
}

/**
 * Checks and merges policy files given as `{ fileName: yamlText }`.
 *
 * @example
 * const r = loadPolicies({ 'main.yaml': 'rules: [{ id: a, effect: allow }]' });
 * if (!r.ok) console.log(r.errors);
 */
export function loadPolicies(files: Record<string, string>): LoadResult {
  const names = Object.keys(files).sort();
  const sources = names.map((n) => new SourceFile(n, files[n]));
  const parts = sources.map(checkFile);
  const issues: PolicyIssue[] = [];

  const settings = new Map<string, Setting<unknown>>();
  const merge = <T>(key: string, value: T | undefined, file: SourceFile, node: Node | null | undefined): void => {
    if (value === undefined) return;
    const seen = settings.get(key);
    if (seen && JSON.stringify(seen.value) !== JSON.stringify(value)) {
      const { line, col } = file.at(node);
      issues.push({
        file: file.name,
        line,
        col,
        code: 'conflicting_setting',
        message: `'${key}' is also set, differently, in ${seen.file}`,
      });
    } else if (!seen) settings.set(key, { value, file: file.name });
  };
  parts.forEach((p, i) => {
    for (const key of [
      'mode',
      'registry',
      'trust',
      'context',
      'budgets',
      'risk',
      'breaker',
      'tickets',
      'approvals',
      'delegation',
    ] as const)
      merge(key, p[key], sources[i], p.nodes.get(key));
  });

  const rules = parts.flatMap((p) => p.rules);
  const byId = new Map<string, CheckedRule>();
  for (const r of rules) {
    const first = byId.get(r.rule.id);
    if (first) {
      const { line, col } = r.src.at(r.idNode);
      issues.push({
        file: r.src.name,
        line,
        col,
        code: 'duplicate_rule',
        message: `rule id '${r.rule.id}' is already used at ${first.src.name}:${first.src.at(first.idNode).line}`,
      });
    } else byId.set(r.rule.id, r);
  }
  const custom = new Map<string, CustomDetector>();
  parts.forEach((p, i) => {
    for (const d of p.dlpCustom) {
      const seen = custom.get(d.name);
      if (seen && seen.pattern !== d.pattern) {
        const { line, col } = sources[i].at(d.node);
        issues.push({
          file: sources[i].name,
          line,
          col,
          code: 'conflicting_setting',
          message: `custom detector '${d.name}' is also defined, with another pattern`,
        });
      } else custom.set(d.name, { name: d.name, pattern: d.pattern });
    }
  });
  /** Each section's upstreams by name, the first declaration of a name winning. */
  const declared = <T extends { name: string; nameNode: Node }>(section: 'mcp' | 'egress', lists: T[][]) => {
    const byName = new Map<string, T & { src: SourceFile }>();
    lists.forEach((list, i) => {
      for (const u of list) {
        const first = byName.get(u.name);
        if (!first) {
          byName.set(u.name, { ...u, src: sources[i] });
          continue;
        }
        const { line, col } = sources[i].at(u.nameNode);
        issues.push({
          file: sources[i].name,
          line,
          col,
          code: 'duplicate_upstream',
          message: `${section} upstream '${u.name}' is already declared at ${first.src.name}:${first.src.at(first.nameNode).line}`,
        });
      }
    });
    return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  };
  const mcpUpstreams = declared(
    'mcp',
    parts.map((p) => p.mcp),
  ).map(({ name, url, secret, tools, results }) => ({ name, url, secret, tools, results }));
  const egressUpstreams = declared(
    'egress',
    parts.map((p) => p.egress),
  ).map(({ name, url, secret, header }) => ({ name, url, secret, header }));
  if (rules.length > MAX_RULES)
    issues.push({
      file: names[0] ?? '',
      line: 1,
      col: 1,
      code: 'too_many',
      message: `${rules.length} rules; the limit is ${MAX_RULES}`,
    });

  const actions = parts.flatMap((p) => p.actions);
  const resources = parts.flatMap((p) => p.resources);
  const registry = (settings.get('registry')?.value as PolicySet['registry'] | undefined) ?? 'open';
  const contextSchema = (settings.get('context')?.value as ParamSchema[] | undefined) ?? null;
  const env: TypeEnv = {
    actionAttrs: attrTypes(actions),
    resourceAttrs: attrTypes(resources),
    context: contextFields(contextSchema),
  };
  for (const r of rules) {
    if (!r.rule.when || !r.whenNode) continue;
    const ruleEnv = { ...env, params: paramFields(r.rule, actions, registry) };
    const problems = typecheck(r.rule.when, ruleEnv);
    for (const p of problems) {
      reportInExpr(r.src, r.whenNode, r.rule.whenSource!, p.code, `rule '${r.rule.id}'.when: ${p.message}`, p.pos);
    }
    if (problems.length > 0) continue;
    for (const p of globLikePatterns(r.rule.when)) {
      reportInExpr(
        r.src,
        r.whenNode,
        r.rule.whenSource!,
        'glob_like_pattern',
        `rule '${r.rule.id}'.when: ${p.message}`,
        p.pos,
        'warning',
      );
    }
    for (const p of unrequiredPaths(r.rule, actions, registry, contextSchema)) {
      reportInExpr(
        r.src,
        r.whenNode,
        r.rule.whenSource!,
        'unrequired_path',
        `rule '${r.rule.id}'.when reads '${p.text}': ${p.why}`,
        p.pos,
        'warning',
      );
    }
  }
  issues.push(...sources.flatMap((s) => s.issues));
  const warnings = sortIssues(sources.flatMap((s) => s.warnings));
  if (issues.length > 0) return { ok: false, errors: sortIssues(issues), warnings };

  const get = <T>(key: string, fallback: T): T => (settings.get(key)?.value as T | undefined) ?? fallback;
  const dlpDeny = new Set(parts.flatMap((p) => p.dlpDeny));
  return {
    ok: true,
    warnings,
    policy: {
      mode: get('mode', 'enforce'),
      registry: get('registry', 'open'),
      trust: get('trust', DEFAULT_TRUST),
      risk: get<RiskSettings | null>('risk', null),
      breaker: get<BreakerSettings | null>('breaker', null),
      budgets: get<Budgets | null>('budgets', null),
      tickets: get('tickets', DEFAULT_TICKETS),
      approvals: get('approvals', DEFAULT_APPROVALS),
      delegation: get('delegation', DEFAULT_DELEGATION),
      actions,
      resources,
      rules: [...byId.values()].map((r) => r.rule).sort((a, b) => (a.id < b.id ? -1 : 1)),
      dlpDeny: DETECTORS.filter((d) => dlpDeny.has(d)),
      dlpRedact: DETECTORS.filter((d) => !dlpDeny.has(d) && parts.some((p) => p.dlpRedact.includes(d))),
      dlpCustom: [...custom.values()].sort((a, b) => (a.name < b.name ? -1 : 1)),
      ...(mcpUpstreams.length > 0 && { mcpUpstreams }),
      ...(egressUpstreams.length > 0 && { egressUpstreams }),
    },
  };
}
