/**
 * One decision, in the order DESIGN §2 fixes: suspension → registry → params schema →
 * DLP deny → rules (deny overrides, then require_approval, then allow, else no_match)
 * → limits → risk → shadow mode. Writes the verdict to the output area.
 */
import {
  ACTION_BYTES, ActionEntry, BUDGET_TOKENS, BUDGET_TOKENS_MONTH, BUDGET_USD, BUDGET_USD_MONTH, CODE_BUDGET_EXCEEDED,
  CODE_DLP, CODE_NO_MATCH, CODE_PARAMS, CODE_RATE_LIMITED, CODE_RISK, CODE_RULE, CODE_SHADOW, CODE_SUSPENDED,
  CODE_UNREGISTERED_ACTION, EFFECT_ALLOW, EFFECT_APPROVAL, EFFECT_DENY, ERR_MISSING_ATTRIBUTE, FLAG_CLOSED_REGISTRY,
  FLAG_RISK, FLAG_SHADOW, MAX_REDACTIONS, OUT_CODE, OUT_DECISION, OUT_DETAIL_A, OUT_DETAIL_B, OUT_ERROR_COUNT,
  OUT_ERRORS_OFF, OUT_HEADER_BYTES, OUT_HELD_COUNT, OUT_HELD_OFF, OUT_REDACTION_COUNT, OUT_REDACTIONS_OFF,
  OUT_RULE_COUNT, OUT_RULES_OFF, OUT_SHADOW, OUT_SHADOW_CODE, OUT_SHADOW_DECISION, OUT_SHADOW_RULE_COUNT,
  OUT_SHADOW_RULES_OFF, OUT_STATUS, REQ_COST_TOKENS,
  REQ_COST_USD, REQ_FLAGS, REQ_RISK, REQ_SPEND_DAY_TOKENS, REQ_SPEND_DAY_USD, REQ_SPEND_MONTH_TOKENS,
  REQ_SPEND_MONTH_USD, REQ_SUSPENDED, RESOURCE_BYTES, ResourceEntry, RULE_ANY_AGENT, RULE_ANY_RESOURCE, RULE_ANY_ROLE,
  RULE_RATE, RULE_SHADOW, RULE_SPEND, RULE_TOKENS, RuleList, RuleErrorOut, RuleRecord, Settings, STATUS_OK,
  STATUS_STACK_OVERFLOW, STATUS_TOO_MANY_REDACTIONS, WildRules,
} from './abi';
import {
  actionCount, actionIndexAt, actionsAt, anyRulesAt, codeAt, customDetectorCount, exactListCount, exactListOff, flags,
  globAddr, globLen, globLiteralSym, poolU32, resourceCount, resourceIndexAt, resourcesAt, ruleAddr, ruleCount,
  settingsAt, valueAddr, wildCount, wildEntry,
} from './bundle';
import { symbolCount } from './symbols';
import { DlpHit, findSecret, redactParams } from './dlp-walk';
import { globMatch } from './glob';
import { checkParams, violationKind, violationParam } from './params';
import { agentLen, agentStr, agentSym, dlpViewsAt, hasRole, ledgerFor, rateCountFor } from './request';
import { errorDetail, errorKind, run, RUN_ERROR, RUN_FALSE, RUN_TRUE, Subject } from './vm';

/** Work areas, sized for the bundle at load time. */
export class Areas {
  static out: u32 = 0;
  static marks: u32 = 0;
  static matched: u32 = 0;
  static errKind: u32 = 0;
  static errDetail: u32 = 0;
  static errRules: u32 = 0;
}
let epoch: u32 = 0;
let request: u32 = 0;

/** Bytes the output area needs for `rules` rules. */
export function outputBytes(rules: u32): u32 {
  return OUT_HEADER_BYTES + rules * 4 + rules * 12 + MAX_REDACTIONS * 16 + rules * 4 + rules * 4;
}

@inline function out(at: u32, v: u32): void {
  store<u32>(Areas.out + at, v);
}
@inline function reqF64(at: u32): f64 {
  return load<f64>(request + at);
}

/** Glob `g` against a string; literal globs compare interned symbols. */
function globHit(g: u32, p: u32, len: u32, sym: i32): bool {
  const lit = globLiteralSym(g);
  // INVARIANT: request strings are interned at validation, so an un-interned one never equals a literal.
  if (lit >= 0) return sym == lit;
  return globMatch(globAddr(g), globLen(g), p, len);
}

function anyGlobHit(off: u32, count: u32, p: u32, len: u32, sym: i32): bool {
  for (let k: u32 = 0; k < count; k++) if (globHit(poolU32(off + k * 4), p, len, sym)) return true;
  return false;
}

// --- Sorting rule indices ------------------------------------------------------------

function siftDown(a: u32, start: u32, end: u32): void {
  let root = start;
  while (root * 2 + 1 < end) {
    let child = root * 2 + 1;
    if (child + 1 < end && load<u32>(a + child * 4) < load<u32>(a + (child + 1) * 4)) child++;
    const rv = load<u32>(a + root * 4);
    const cv = load<u32>(a + child * 4);
    if (rv >= cv) return;
    store<u32>(a + root * 4, cv);
    store<u32>(a + child * 4, rv);
    root = child;
  }
}

/** In-place heapsort of n u32 values at a. */
function sortU32(a: u32, n: u32): void {
  if (n < 2) return;
  for (let i = n / 2; i > 0; i--) siftDown(a, i - 1, n);
  for (let end = n - 1; end > 0; end--) {
    const t = load<u32>(a);
    store<u32>(a, load<u32>(a + end * 4));
    store<u32>(a + end * 4, t);
    siftDown(a, 0, end);
  }
}

// --- Rule matching -------------------------------------------------------------------

let matchedCount: u32 = 0;
let errorCount: u32 = 0;
let fatal: u32 = STATUS_OK;

/** Tests candidate rule r once per decision; records a match or an evaluation error. */
function consider(r: u32): void {
  const seen = Areas.marks + r * 4;
  if (load<u32>(seen) == epoch) return;
  store<u32>(seen, epoch);
  const rule = ruleAddr(r);
  const rflags = RuleRecord.flags(rule);
  if ((rflags & RULE_ANY_RESOURCE) == 0) {
    const globs = RuleRecord.resourceGlobsAt(rule);
    const count = RuleRecord.resourceGlobCount(rule);
    if (!anyGlobHit(globs, count, Subject.resourceStr, Subject.resourceLen, Subject.resourceSym)) return;
  }
  if ((rflags & RULE_ANY_AGENT) == 0) {
    const globs = RuleRecord.agentGlobsAt(rule);
    if (!anyGlobHit(globs, RuleRecord.agentGlobCount(rule), agentStr, agentLen, agentSym)) return;
  }
  if ((rflags & RULE_ANY_ROLE) == 0) {
    const off = RuleRecord.rolesAt(rule);
    const count = RuleRecord.roleCount(rule);
    let any = false;
    for (let k: u32 = 0; k < count && !any; k++) any = hasRole(<i32>poolU32(off + k * 4));
    if (!any) return;
  }
  const code = RuleRecord.codeAt(rule);
  if (code >= 0) {
    const result = run(codeAt + <u32>code);
    if (result == RUN_FALSE) return;
    if (result == RUN_ERROR) {
      store<u32>(Areas.errKind + r * 4, errorKind);
      store<u32>(Areas.errDetail + r * 4, errorDetail);
      store<u32>(Areas.errRules + errorCount * 4, r);
      errorCount++;
      // Fail closed: absent data means no match, but any other error can only restrict.
      if (errorKind == ERR_MISSING_ATTRIBUTE || RuleRecord.effect(rule) == EFFECT_ALLOW) return;
    }
    else if (result != RUN_TRUE) {
      fatal = STATUS_STACK_OVERFLOW;
      return;
    }
  }
  store<u32>(Areas.matched + matchedCount * 4, r);
  matchedCount++;
}

function considerList(off: u32, count: u32): void {
  for (let k: u32 = 0; k < count; k++) consider(poolU32(off + k * 4));
}

/** Candidates from one index dimension: the exact symbol's list, then matching wildcards. */
function considerDimension(at: u32, sym: i32, p: u32, len: u32): void {
  if (sym >= 0 && <u32>sym < symbolCount) considerList(exactListOff(at, <u32>sym), exactListCount(at, <u32>sym));
  for (let w: u32 = 0, n = wildCount(at); w < n; w++) {
    const e = wildEntry(at, w);
    const g = WildRules.glob(e);
    if (globMatch(globAddr(g), globLen(g), p, len)) considerList(WildRules.rulesAt(e), WildRules.ruleCount(e));
  }
}

/** Candidates: rules by action; rules with no action filter by resource; then the rest. */
function matchRules(): void {
  epoch++;
  if (epoch == 0) {
    memory.fill(Areas.marks, 0, ruleCount * 4);
    epoch = 1;
  }
  considerDimension(actionIndexAt, Subject.actionSym, Subject.actionStr, Subject.actionLen);
  considerDimension(resourceIndexAt, Subject.resourceSym, Subject.resourceStr, Subject.resourceLen);
  considerList(RuleList.rulesAt(anyRulesAt), RuleList.ruleCount(anyRulesAt));
  sortU32(Areas.matched, matchedCount);
  sortU32(Areas.errRules, errorCount);
}

// --- Verdict -------------------------------------------------------------------------

let ruleOut: u32 = 0;

function pushRule(r: u32): void {
  store<u32>(Areas.out + OUT_HEADER_BYTES + ruleOut * 4, r);
  ruleOut++;
}

/** Writes the verdict, applying whole-bundle shadow mode unless the agent is suspended. */
function finish(decision: u32, code: u32): u32 {
  out(OUT_RULE_COUNT, ruleOut);
  if (decision != EFFECT_ALLOW && code != CODE_SUSPENDED && (flags & FLAG_SHADOW) != 0) {
    let shadowed = true;
    for (let k: u32 = 0; k < ruleOut && shadowed; k++) {
      shadowed = isShadowRule(load<u32>(Areas.out + OUT_HEADER_BYTES + k * 4));
    }
    if (shadowed) {
      out(OUT_SHADOW, 1);
      out(OUT_SHADOW_DECISION, decision);
      out(OUT_SHADOW_CODE, code);
      decision = EFFECT_ALLOW;
      code = CODE_SHADOW;
    }
  }
  out(OUT_DECISION, decision);
  out(OUT_CODE, code);
  return STATUS_OK;
}

/** The first matching entry of a catalogue table (`ActionEntry` or `ResourceEntry`; the glob is the first field). */
function firstEntry(at: u32, count: u32, stride: u32, p: u32, len: u32, sym: i32): i32 {
  for (let i: u32 = 0; i < count; i++) if (globHit(load<u32>(at + i * stride), p, len, sym)) return <i32>i;
  return -1;
}

function copyErrors(): void {
  const base = Areas.out + OUT_HEADER_BYTES + ruleCount * 4;
  for (let k: u32 = 0; k < errorCount; k++) {
    const r = load<u32>(Areas.errRules + k * 4);
    const e = RuleErrorOut.at(base, k);
    RuleErrorOut.setRule(e, r);
    RuleErrorOut.setKind(e, load<u32>(Areas.errKind + r * 4));
    RuleErrorOut.setDetail(e, load<u32>(Areas.errDetail + r * 4));
  }
  out(OUT_ERROR_COUNT, errorCount);
}

/** Decides the validated request at `req`. Returns a status; the verdict is in the output area. */
export function decideRequest(req: u32): u32 {
  request = req;
  memory.fill(Areas.out, 0, OUT_HEADER_BYTES);
  out(OUT_RULES_OFF, OUT_HEADER_BYTES);
  out(OUT_ERRORS_OFF, OUT_HEADER_BYTES + ruleCount * 4);
  out(OUT_REDACTIONS_OFF, OUT_HEADER_BYTES + ruleCount * 16);
  out(OUT_HELD_OFF, OUT_HEADER_BYTES + ruleCount * 16 + MAX_REDACTIONS * 16);
  out(OUT_SHADOW_RULES_OFF, OUT_HEADER_BYTES + ruleCount * 20 + MAX_REDACTIONS * 16);
  ruleOut = 0;
  matchedCount = 0;
  errorCount = 0;
  fatal = STATUS_OK;
  const redactionsAt = Areas.out + OUT_HEADER_BYTES + ruleCount * 16;
  const redactions = redactParams(Settings.dlpRedactMask(settingsAt), Subject.paramsObj, redactionsAt);
  if (redactions < 0) return STATUS_TOO_MANY_REDACTIONS;
  out(OUT_REDACTION_COUNT, <u32>redactions);

  if ((load<u32>(req + REQ_FLAGS) & REQ_SUSPENDED) != 0) return finish(EFFECT_DENY, CODE_SUSPENDED);

  const action = Subject.actionStr;
  const entry = firstEntry(actionsAt, actionCount, ACTION_BYTES, action, Subject.actionLen, Subject.actionSym);
  Subject.actionAttrs = entry >= 0 ? valueAddr(<u32>ActionEntry.attrs(ActionEntry.at(actionsAt, <u32>entry))) : 0;
  if (entry < 0 && (flags & FLAG_CLOSED_REGISTRY) != 0) return finish(EFFECT_DENY, CODE_UNREGISTERED_ACTION);
  if (entry >= 0 && checkParams(<u32>entry, Subject.paramsObj)) {
    out(OUT_DETAIL_A, violationKind);
    out(OUT_DETAIL_B, violationParam);
    return finish(EFFECT_DENY, CODE_PARAMS);
  }
  const denyMask = Settings.dlpDenyMask(settingsAt);
  if (denyMask != 0 || customDetectorCount != 0) {
    if (findSecret(denyMask, dlpViewsAt)) {
      out(OUT_DETAIL_A, DlpHit.detector);
      out(OUT_DETAIL_B, DlpHit.view);
      return finish(EFFECT_DENY, CODE_DLP);
    }
  }
  const resource = Subject.resourceStr;
  const resourceLen = Subject.resourceLen;
  const res = firstEntry(resourcesAt, resourceCount, RESOURCE_BYTES, resource, resourceLen, Subject.resourceSym);
  Subject.resourceAttrs = res >= 0 ? valueAddr(<u32>ResourceEntry.attrs(ResourceEntry.at(resourcesAt, <u32>res))) : 0;

  matchRules();
  if (fatal != STATUS_OK) return fatal;
  copyErrors();
  return decideByRules();
}

@inline function pack(decision: u32, code: u32): u32 {
  return (decision << 8) | code;
}

function isShadowRule(r: u32): bool {
  return (RuleRecord.flags(ruleAddr(r)) & RULE_SHADOW) != 0;
}

/**
 * Per-rule shadow: the answer is combined as if the shadow rules did not exist, and the
 * verdict with them is reported beside it when it differs. Shadow never weakens the answer.
 */
function decideByRules(): u32 {
  let shadowMatched = false;
  for (let k: u32 = 0; k < matchedCount && !shadowMatched; k++) {
    shadowMatched = isShadowRule(load<u32>(Areas.matched + k * 4));
  }
  if (!shadowMatched) return finishPacked(combine(true));
  const full = combine(true);
  // The shadow rules behind `full`: those that would have decided, had they been enforced.
  const shadowAt = Areas.out + load<u32>(Areas.out + OUT_SHADOW_RULES_OFF);
  let shadowRules: u32 = 0;
  for (let k: u32 = 0; k < ruleOut; k++) {
    const r = load<u32>(Areas.out + OUT_HEADER_BYTES + k * 4);
    if (isShadowRule(r)) store<u32>(shadowAt + (shadowRules++) * 4, r);
  }
  ruleOut = 0;
  const enforced = combine(false);
  // A whole-bundle shadow with nothing enforced behind the answer is log-only.
  if ((flags & FLAG_SHADOW) != 0 && enforced == pack(EFFECT_DENY, CODE_NO_MATCH)) {
    ruleOut = 0;
    return finishPacked(combine(true));
  }
  out(OUT_RULE_COUNT, ruleOut);
  if (full != enforced) {
    out(OUT_SHADOW, 1);
    out(OUT_SHADOW_DECISION, full >> 8);
    out(OUT_SHADOW_CODE, full & 0xff);
    out(OUT_SHADOW_RULE_COUNT, shadowRules);
  }
  out(OUT_DECISION, enforced >> 8);
  out(OUT_CODE, enforced & 0xff);
  return STATUS_OK;
}

function finishPacked(packed: u32): u32 {
  return finish(packed >> 8, packed & 0xff);
}

/**
 * Deny overrides, then require_approval, then allow; then limits and risk. Pushes the
 * rules behind the result and returns it packed; `withShadow` false leaves shadow rules out.
 */
function combine(withShadow: bool): u32 {
  out(OUT_HELD_COUNT, 0);
  let denies: u32 = 0;
  let approvals: u32 = 0;
  let allows: u32 = 0;
  for (let k: u32 = 0; k < matchedCount; k++) {
    const r = load<u32>(Areas.matched + k * 4);
    if (!withShadow && isShadowRule(r)) continue;
    const effect = RuleRecord.effect(ruleAddr(r));
    if (effect == EFFECT_DENY) denies++;
    else if (effect == EFFECT_APPROVAL) approvals++;
    else allows++;
  }
  if (denies > 0) {
    pushEffect(EFFECT_DENY, withShadow);
    return pack(EFFECT_DENY, CODE_RULE);
  }
  if (approvals == 0 && allows == 0) return pack(EFFECT_DENY, CODE_NO_MATCH);

  // Rate windows first, then budgets.
  for (let k: u32 = 0; k < matchedCount; k++) {
    const r = load<u32>(Areas.matched + k * 4);
    if (!withShadow && isShadowRule(r)) continue;
    const rule = ruleAddr(r);
    const rated = RuleRecord.effect(rule) == EFFECT_ALLOW && (RuleRecord.flags(rule) & RULE_RATE) != 0;
    if (rated && rateCountFor(r) >= RuleRecord.rateCount(rule)) pushRule(r);
  }
  if (ruleOut > 0) return pack(EFFECT_DENY, CODE_RATE_LIMITED);
  const usd = reqF64(REQ_COST_USD);
  const tokens = reqF64(REQ_COST_TOKENS);
  for (let k: u32 = 0; k < matchedCount; k++) {
    const r = load<u32>(Areas.matched + k * 4);
    if (!withShadow && isShadowRule(r)) continue;
    const rule = ruleAddr(r);
    if (RuleRecord.effect(rule) != EFFECT_ALLOW) continue;
    const rflags = RuleRecord.flags(rule);
    let over = false;
    // The rule's own ledger; money in integer micro-dollars, so the sums are exact.
    if ((rflags & RULE_SPEND) != 0) over = ledgerFor(r, false) + usd > RuleRecord.usdLimitMicros(rule);
    if (!over && (rflags & RULE_TOKENS) != 0) over = ledgerFor(r, true) + tokens > RuleRecord.tokenLimit(rule);
    if (over) pushRule(r);
  }
  if (ruleOut > 0) return pack(EFFECT_DENY, CODE_BUDGET_EXCEEDED);
  // The agent-wide budgets, across all rules.
  const budgets = Settings.budgetFlags(settingsAt);
  if ((budgets & BUDGET_USD) != 0) {
    const spent = reqF64((budgets & BUDGET_USD_MONTH) != 0 ? REQ_SPEND_MONTH_USD : REQ_SPEND_DAY_USD);
    if (spent + usd > Settings.usdBudgetMicros(settingsAt)) return pack(EFFECT_DENY, CODE_BUDGET_EXCEEDED);
  }
  if ((budgets & BUDGET_TOKENS) != 0) {
    const spent = reqF64((budgets & BUDGET_TOKENS_MONTH) != 0 ? REQ_SPEND_MONTH_TOKENS : REQ_SPEND_DAY_TOKENS);
    if (spent + tokens > Settings.tokenBudget(settingsAt)) return pack(EFFECT_DENY, CODE_BUDGET_EXCEEDED);
  }

  const risky = (flags & FLAG_RISK) != 0;
  const risk = reqF64(REQ_RISK);
  if (risky && risk >= Settings.denyAt(settingsAt)) return pack(EFFECT_DENY, CODE_RISK);
  if (approvals > 0) {
    pushEffect(EFFECT_APPROVAL, withShadow);
    holdAllows(withShadow);
    return pack(EFFECT_APPROVAL, CODE_RULE);
  }
  pushEffect(EFFECT_ALLOW, withShadow);
  if (risky && risk >= Settings.escalateAt(settingsAt)) {
    holdAllows(withShadow);
    return pack(EFFECT_APPROVAL, CODE_RISK);
  }
  return pack(EFFECT_ALLOW, CODE_RULE);
}

/** A require_approval names the allow rules an approval takes: their limits passed. */
function holdAllows(withShadow: bool): void {
  const at = Areas.out + load<u32>(Areas.out + OUT_HELD_OFF);
  let n: u32 = 0;
  for (let k: u32 = 0; k < matchedCount; k++) {
    const r = load<u32>(Areas.matched + k * 4);
    if (!withShadow && isShadowRule(r)) continue;
    if (RuleRecord.effect(ruleAddr(r)) == EFFECT_ALLOW) store<u32>(at + (n++) * 4, r);
  }
  out(OUT_HELD_COUNT, n);
}

function pushEffect(effect: u32, withShadow: bool): void {
  for (let k: u32 = 0; k < matchedCount; k++) {
    const r = load<u32>(Areas.matched + k * 4);
    if (!withShadow && isShadowRule(r)) continue;
    if (load<u32>(ruleAddr(r)) == effect) pushRule(r);
  }
}

