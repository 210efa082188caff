/**
 * @module
 * Encodes a checked `PolicySet` into the binary bundle the evaluator reads in place.
 * Deterministic: symbols are sorted, rules are in id order, and every table is built in
 * that order, so the same policies always give the same bytes.
 */
import { toolTargets } from '../../mcp/visibility.js';
import { exprSymbols, compileExpr } from '../expr/bytecode.js';
import type { Scalar } from '../expr/ast.js';
import { NOW_FIELDS } from '../expr/typecheck.js';
import { isLiteralGlob, tokenizeGlob, STAR } from '../glob.js';
import { compileRegex, encodeRegex } from '../regex/program.js';
import { toMicros } from '../money.js';
import { DETECTORS, type AttrValue, type Detector, type PolicySet } from '../model.js';
import {
  ABI_VERSION,
  BUNDLE_MAGIC,
  DIGEST_OFFSET,
  EFFECT_CODES,
  FLAG_CLOSED_REGISTRY,
  FLAG_RISK,
  FLAG_SHADOW,
  GLOB_DOUBLE_STAR,
  GLOB_STAR,
  HEADER_BYTES,
  PARAM_ENUM,
  PARAM_INTEGER,
  PARAM_MAX,
  PARAM_MAX_LENGTH,
  PARAM_MIN,
  PARAM_PATTERN,
  PARAM_REQUIRED,
  PARAM_TYPE_CODES,
  RULE_ANY_AGENT,
  RULE_ANY_RESOURCE,
  RULE_ANY_ROLE,
  RULE_RATE,
  RULE_SHADOW,
  RULE_SPEND,
  RULE_TOKENS,
  SECTION_COUNT,
  Section,
  BUDGET_USD,
  BUDGET_USD_MONTH,
  BUDGET_TOKENS,
  BUDGET_TOKENS_MONTH,
} from './format.js';
import { sha256 } from '../../lib/sha256.js';
import {
  ACTION,
  BUNDLE_HEADER,
  GLOB,
  PARAM,
  RESOURCE,
  RULE,
  RULE_LIST,
  SETTINGS,
  SPAN,
  WILD_RULES,
  writeRecord,
} from './layout.js';
import { SymbolTable } from './symbols.js';
import { writeValue } from './values.js';
import { ByteWriter } from './writer.js';

/** Keys the host writes into request objects; always in the table. */
export const FIXED_KEYS = ['id', 'tenant', 'roles', 'trust', 'depth', 'root', 'chain', ...NOW_FIELDS];

const utf8 = new TextEncoder();

function detectorMask(list: Detector[]): number {
  return list.reduce((m, d) => m | (1 << DETECTORS.indexOf(d)), 0);
}

function collectSymbols(policy: PolicySet): SymbolTable {
  const table = new SymbolTable();
  const add = (s: string) => table.add(s);
  const addAttrs = (attrs: Record<string, AttrValue>) => {
    for (const [k, v] of Object.entries(attrs)) {
      add(k);
      for (const item of Array.isArray(v) ? v : [v]) if (typeof item === 'string') add(item);
    }
  };
  FIXED_KEYS.forEach(add);
  for (const a of policy.actions) {
    add(a.match);
    addAttrs(a.attrs);
    for (const p of a.params ?? []) {
      add(p.name);
      for (const e of p.enum ?? []) if (typeof e === 'string') add(e);
      if (p.pattern) add(p.pattern);
    }
  }
  for (const r of policy.resources) {
    add(r.match);
    addAttrs(r.attrs);
  }
  for (const rule of policy.rules) {
    add(rule.id);
    if (rule.reason !== null) add(rule.reason);
    [...(rule.actions ?? []), ...(rule.resources ?? []), ...(rule.agents ?? []), ...(rule.roles ?? [])].forEach(add);
    if (rule.when) exprSymbols(rule.when, add);
  }
  return table;
}

/** A table of distinct strings in first-use order, and the function that numbers them. */
function numbering(): [string[], (s: string) => number] {
  const ids = new Map<string, number>();
  const list: string[] = [];
  return [list, (s) => ids.get(s) ?? (ids.set(s, list.push(s) - 1), list.length - 1)];
}

/** Encodes the policy. The result is the whole bundle; hash it with `bundleHash`. */
export function encodeBundle(policy: PolicySet): Uint8Array {
  const table = collectSymbols(policy);
  const symbols = table.freeze();
  const sym = (s: string) => table.id(s);

  const [globList, glob] = numbering();
  const constIds = new Map<string, number>();
  const values = new ByteWriter();
  const valueOffsets: number[] = [];
  const constant = (v: Scalar | Scalar[] | Record<string, AttrValue>) => {
    const key = JSON.stringify(v);
    let id = constIds.get(key);
    if (id === undefined) {
      id = valueOffsets.push(values.length) - 1;
      constIds.set(key, id);
      writeValue(values, v, sym);
    }
    return id;
  };
  const pool = new ByteWriter();
  /** Writes a u32 list to the pool; returns its byte offset. */
  const list = (items: number[]) => {
    const at = pool.length;
    for (const x of items) pool.u32(x);
    return at;
  };

  const params = new ByteWriter();
  const actions = new ByteWriter().u32(policy.actions.length);
  for (const a of policy.actions) {
    const paramsAt = a.params ? params.length : -1;
    for (const p of a.params ?? []) {
      const flags =
        (p.required ? PARAM_REQUIRED : 0) |
        (p.integer ? PARAM_INTEGER : 0) |
        (p.min !== null ? PARAM_MIN : 0) |
        (p.max !== null ? PARAM_MAX : 0) |
        (p.maxLength !== null ? PARAM_MAX_LENGTH : 0) |
        (p.enum ? PARAM_ENUM : 0) |
        (p.pattern !== null ? PARAM_PATTERN : 0);
      writeRecord(params, PARAM, {
        name: sym(p.name),
        type: PARAM_TYPE_CODES[p.type],
        flags,
        maxLength: p.maxLength ?? 0,
        min: p.min ?? 0,
        max: p.max ?? 0,
        enumValues: p.enum ? constant(p.enum) : -1,
        pattern: p.pattern !== null ? glob(p.pattern) : -1,
        reserved0: 0,
        reserved1: 0,
      });
    }
    writeRecord(actions, ACTION, {
      glob: glob(a.match),
      attrs: constant(a.attrs),
      paramsAt,
      paramCount: a.params?.length ?? 0,
      additionalParams: a.additionalParams ? 1 : 0,
    });
  }
  const resources = new ByteWriter().u32(policy.resources.length);
  for (const r of policy.resources) writeRecord(resources, RESOURCE, { glob: glob(r.match), attrs: constant(r.attrs) });

  const code = new ByteWriter();
  const rules = new ByteWriter().u32(policy.rules.length);
  const manifest = new ByteWriter();
  const [regexList, regex] = numbering();
  const tables = { symbol: sym, constant, glob, regex };
  for (const rule of policy.rules) {
    const { rate, spend, tokens } = rule.limits;
    const shadow = (rule.mode ?? policy.mode) === 'shadow';
    const flags =
      (shadow ? RULE_SHADOW : 0) |
      (rate ? RULE_RATE : 0) |
      (spend ? RULE_SPEND : 0) |
      (tokens ? RULE_TOKENS : 0) |
      (rule.resources ? 0 : RULE_ANY_RESOURCE) |
      (rule.agents ? 0 : RULE_ANY_AGENT) |
      (rule.roles ? 0 : RULE_ANY_ROLE);
    const resourceGlobs = (rule.resources ?? []).map(glob);
    const agentGlobs = (rule.agents ?? []).map(glob);
    const roles = (rule.roles ?? []).map(sym);
    let codeAt = -1;
    let codeLen = 0;
    if (rule.when) {
      const bytes = compileExpr(rule.when, tables);
      codeAt = code.length;
      codeLen = bytes.length;
      code.bytes(bytes);
    }
    writeRecord(rules, RULE, {
      effect: EFFECT_CODES[rule.effect],
      flags,
      resourceGlobsAt: list(resourceGlobs),
      resourceGlobCount: resourceGlobs.length,
      agentGlobsAt: list(agentGlobs),
      agentGlobCount: agentGlobs.length,
      rolesAt: list(roles),
      roleCount: roles.length,
      codeAt,
      codeLength: codeLen,
      rateCount: rate?.count ?? 0,
      usdLimitMicros: spend ? toMicros(spend.usd)! : 0,
      tokenLimit: tokens?.count ?? 0,
      usdPerMonth: spend?.per === 'month' ? 1 : 0,
      tokensPerMonth: tokens?.per === 'month' ? 1 : 0,
      reserved0: 0,
      reserved1: 0,
    });
    manifest
      .u32(sym(rule.id))
      .i32(rule.reason !== null ? sym(rule.reason) : -1)
      .u32(rule.mode === null ? 0 : rule.mode === 'enforce' ? 1 : 2);
    manifest.f64(rate?.windowMs ?? 0).f64(rule.risk);
  }

  // The rule index, two dimensions deep: rules by action (exact symbol, then wildcard
  // globs); rules with no action filter by resource the same way; then the rest.
  const index = new ByteWriter();
  const indexBy = (candidates: number[], patternsOf: (rule: number) => string[] | null): number[] => {
    const exact = new Map<number, number[]>();
    const wild = new Map<number, number[]>();
    const unfiltered: number[] = [];
    for (const i of candidates) {
      const patterns = patternsOf(i);
      if (patterns === null) unfiltered.push(i);
      else
        for (const p of patterns) {
          const [bucket, key] = isLiteralGlob(p) ? [exact, sym(p)] : [wild, glob(p)];
          const rules = bucket.get(key) ?? [];
          if (rules[rules.length - 1] !== i) rules.push(i);
          bucket.set(key, rules);
        }
    }
    index.u32(symbols.length);
    for (let s = 0; s < symbols.length; s++) {
      const rules = exact.get(s) ?? [];
      writeRecord(index, RULE_LIST, { rulesAt: list(rules), ruleCount: rules.length });
    }
    const wildSorted = [...wild.entries()].sort((a, b) => a[0] - b[0]);
    index.u32(wildSorted.length);
    for (const [g, rules] of wildSorted)
      writeRecord(index, WILD_RULES, { glob: g, rulesAt: list(rules), ruleCount: rules.length });
    return unfiltered;
  };
  const anyAction = indexBy(
    policy.rules.map((_, i) => i),
    (i) => policy.rules[i].actions,
  );
  const anyAnything = indexBy(anyAction, (i) => policy.rules[i].resources);
  writeRecord(index, RULE_LIST, { rulesAt: list(anyAnything), ruleCount: anyAnything.length });

  const globs = new ByteWriter().u32(globList.length);
  const globData = new ByteWriter();
  for (const g of globList) {
    const bytes = globBytes(g);
    writeRecord(globs, GLOB, {
      dataOffset: globData.length,
      length: bytes.length,
      literalSymbol: isLiteralGlob(g) ? sym(g) : -1,
    });
    globData.bytes(bytes);
  }
  const globsSection = new ByteWriter().bytes(globs.finish()).bytes(globData.finish());

  const symbolSection = new ByteWriter().u32(symbols.length);
  const symbolData = new ByteWriter();
  for (const s of symbols) {
    const bytes = utf8.encode(s);
    writeRecord(symbolSection, SPAN, { offset: symbolData.length, length: bytes.length });
    symbolData.bytes(bytes);
  }
  symbolSection.bytes(symbolData.finish());

  const valuesSection = new ByteWriter().u32(valueOffsets.length);
  for (const off of valueOffsets) valuesSection.u32(off);
  valuesSection.bytes(values.finish());

  const settings = new ByteWriter();
  // Agent-wide budgets: flags (which limits, and whether each is per month), then the limits.
  const budgets = policy.budgets;
  const budgetFlags =
    (budgets?.spend ? BUDGET_USD : 0) |
    (budgets?.spend?.per === 'month' ? BUDGET_USD_MONTH : 0) |
    (budgets?.tokens ? BUDGET_TOKENS : 0) |
    (budgets?.tokens?.per === 'month' ? BUDGET_TOKENS_MONTH : 0);
  writeRecord(settings, SETTINGS, {
    initialTrust: policy.trust.initial,
    escalateAt: policy.risk?.escalateAt ?? 0,
    denyAt: policy.risk?.denyAt ?? 0,
    dlpDenyMask: detectorMask(policy.dlpDeny),
    dlpRedactMask: detectorMask(policy.dlpRedact),
    budgetFlags,
    reserved: 0,
    usdBudgetMicros: budgets?.spend ? toMicros(budgets.spend.usd)! : 0,
    tokenBudget: budgets?.tokens?.count ?? 0,
    customDetectorCount: policy.dlpCustom.length,
  });
  // Custom DLP detectors: each one's regex.
  for (const d of policy.dlpCustom) settings.u32(regex(d.pattern));

  const manifestSection = new ByteWriter();
  const t = policy.trust;
  manifestSection.f64(t.initial).f64(t.success).f64(t.failure).f64(t.exception).f64(t.violation);
  manifestSection.f64(policy.risk?.windowMs ?? 0);
  manifestSection
    .u32(policy.breaker ? 1 : 0)
    .f64(policy.breaker?.denies ?? 0)
    .f64(policy.breaker?.windowMs ?? 0)
    .f64(policy.breaker?.cooldownMs ?? 0);
  manifestSection.f64(policy.tickets.ttlMs);
  manifestSection.bytes(manifest.finish());
  // Settings only the host reads, after the rules: approvals, delegation and the audit's loggable params.
  manifestSection
    .f64(policy.approvals.ttlMs)
    .u32(policy.approvals.maxPending)
    .u32(policy.delegation.maxDepth)
    .f64(policy.approvals.claimTtlMs);
  const auditJson = utf8.encode(
    JSON.stringify(
      policy.actions.map((a) => ({
        match: a.match,
        log_params: a.logParams,
        cost: a.cost,
        params: a.params?.map((p) => p.name) ?? [],
      })),
    ),
  );
  manifestSection.u32(auditJson.length).bytes(auditJson);
  const hostJson = utf8.encode(
    JSON.stringify({
      breaker_count: policy.breaker?.count ?? [],
      dlp_custom: policy.dlpCustom.map((d) => d.name),
      // Only when declared, so a bundle without MCP upstreams is byte for byte what it was before them.
      ...(policy.mcpUpstreams?.length && {
        mcp_upstreams: policy.mcpUpstreams,
        // What the gateway reads to list an agent only the tools it may call, and to scan results.
        mcp_targets: toolTargets(policy),
        mcp_result_dlp: { detectors: [...new Set([...policy.dlpDeny, ...policy.dlpRedact])], custom: policy.dlpCustom },
      }),
      ...(policy.egressUpstreams?.length && { egress_upstreams: policy.egressUpstreams }),
    }),
  );
  manifestSection.u32(hostJson.length).bytes(hostJson);

  const sections: Uint8Array[] = [];
  sections[Section.Symbols] = symbolSection.finish();
  sections[Section.Settings] = settings.finish();
  sections[Section.Globs] = globsSection.finish();
  sections[Section.Values] = valuesSection.finish();
  sections[Section.Actions] = actions.finish();
  sections[Section.Resources] = resources.finish();
  sections[Section.Params] = params.finish();
  sections[Section.Rules] = rules.finish();
  sections[Section.Index] = index.finish();
  sections[Section.Pool] = pool.finish();
  sections[Section.Code] = code.finish();
  sections[Section.Manifest] = manifestSection.finish();
  sections[Section.Regexes] = regexSection(regexList);

  const flags =
    (policy.mode === 'shadow' ? FLAG_SHADOW : 0) |
    (policy.registry === 'closed' ? FLAG_CLOSED_REGISTRY : 0) |
    (policy.risk ? FLAG_RISK : 0);
  const out = new ByteWriter();
  // The length is patched in below, and the digest filled in last.
  writeRecord(out, BUNDLE_HEADER, {
    magic: BUNDLE_MAGIC,
    abi: ABI_VERSION,
    length: 0,
    flags,
    sectionCount: SECTION_COUNT,
    digest: 0,
  });
  let offset = HEADER_BYTES + SECTION_COUNT * SPAN.bytes;
  for (const s of sections) {
    const padded = (s.length + 7) & ~7;
    writeRecord(out, SPAN, { offset, length: s.length });
    offset += padded;
  }
  for (const s of sections) {
    out.bytes(s);
    for (let i = s.length; i % 8 !== 0; i++) out.u8(0);
  }
  out.patchU32(BUNDLE_HEADER.fields.length.offset, out.length);
  const bytes = out.finish();
  bytes.set(sha256(bytes), DIGEST_OFFSET); // hashed while the digest field is still zero
  return bytes;
}

/** Compiled regex programs: a count, (offset, length) per program, then the programs' u32 words. */
function regexSection(patterns: string[]): Uint8Array {
  const table = new ByteWriter().u32(patterns.length);
  const data = new ByteWriter();
  for (const pattern of patterns) {
    const words = encodeRegex(compileRegex(pattern));
    writeRecord(table, SPAN, { offset: data.length, length: words.length * 4 });
    for (const word of words) data.u32(word);
  }
  return new ByteWriter().bytes(table.finish()).bytes(data.finish()).finish();
}

/** A glob's bytes: wildcards as GLOB_STAR / GLOB_DOUBLE_STAR, literals as UTF-8. */
function globBytes(g: string): Uint8Array {
  const w = new ByteWriter();
  let literal = '';
  const flush = () => {
    w.bytes(utf8.encode(literal));
    literal = '';
  };
  for (const t of tokenizeGlob(g)) {
    if (t >= 0) {
      literal += String.fromCharCode(t);
      continue;
    }
    flush();
    w.u8(t === STAR ? GLOB_STAR : GLOB_DOUBLE_STAR);
  }
  flush();
  return w.finish();
}
