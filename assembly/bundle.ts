/**
 * The loaded bundle: section addresses, decoded once, and a full validation pass so that
 * the evaluator can read any bundle, however corrupt, without trapping.
 */
import {
  ABI_VERSION_NUMBER, ACTION_BYTES, ActionEntry, BUNDLE_MAGIC, BundleHeader, GlobEntry, HEADER_BYTES, MAX_GLOB_TOKENS,
  OP_AND_JUMP, OP_AS_BOOL, OP_CONST, OP_ALL, OP_CONTAINS, OP_DIV, OP_END, OP_ENDS_WITH, OP_EQ, OP_EXISTS, OP_GLOB,
  OP_IN, OP_LOWER_ASCII, OP_MATCHES, OP_SIZE, OP_NEGATE, OP_NOT, OP_OR_JUMP, OP_PATH, OP_STARTS_WITH, PARAM_BYTES,
  ParamSchema, RESOURCE_BYTES, ResourceEntry, ROOT_RESOURCE_NAME, RULE_BYTES, RuleList, RuleRecord, SECTION_COUNT,
  SEC_ACTIONS, SEC_CODE, SEC_GLOBS, SEC_INDEX, SEC_PARAMS, SEC_POOL, SEC_RESOURCES, SEC_RULES, SEC_SETTINGS,
  SEC_SYMBOLS, SEC_VALUES, Settings, Span, TAG_LIST, TAG_OBJECT, OP_ADD, ROOT_VAR, MAX_MACRO_DEPTH, SETTINGS_BYTES,
  WildRules,
} from './abi';
import { loadRegexes, regexCount } from './regex';
import { setSymbolTable, symbolCount } from './symbols';
import { setSymbolLimit, validateValue } from './values';

export let flags: u32 = 0;
export let globCount: u32 = 0;
export let valueCount: u32 = 0;
export let actionCount: u32 = 0;
export let resourceCount: u32 = 0;
export let ruleCount: u32 = 0;
export let customDetectorCount: u32 = 0;
/** Addresses of sections and their tables. */
export let settingsAt: u32 = 0;
export let globsAt: u32 = 0;
export let globDataAt: u32 = 0;
export let valuesAt: u32 = 0;
export let valueDataAt: u32 = 0;
export let actionsAt: u32 = 0;
export let resourcesAt: u32 = 0;
export let paramsAt: u32 = 0;
export let rulesAt: u32 = 0;
/** The rule index: by action, then (for rules with no action filter) by resource. */
export let actionIndexAt: u32 = 0;
export let resourceIndexAt: u32 = 0;
export let anyRulesAt: u32 = 0;
export let poolAt: u32 = 0;
export let codeAt: u32 = 0;
let paramsLen: u32 = 0;
let poolLen: u32 = 0;
let codeLen: u32 = 0;

/** Section `i`'s table entry in the bundle at `base`. */
export function sectionEntry(base: u32, i: u32): u32 {
  return Span.at(base + HEADER_BYTES, i);
}

/** A section's (address, length) into `out` (a `Span`); false when it lies outside the bundle. */
function section(base: u32, len: u32, i: u32, out: u32): bool {
  const entry = sectionEntry(base, i);
  const off = Span.offset(entry);
  const size = Span.length(entry);
  if (off > len || size > len - off) return false;
  store<u32>(out, base + off, 0);
  store<u32>(out, size, 4);
  return true;
}

/** The last section read by `section`: its address and length, as a `Span`. */
const sec = <u32>memory.data(8);

export function globAddr(id: u32): u32 {
  return globDataAt + GlobEntry.dataOffset(GlobEntry.at(globsAt, id));
}
export function globLen(id: u32): u32 {
  return GlobEntry.length(GlobEntry.at(globsAt, id));
}
export function globLiteralSym(id: u32): i32 {
  return GlobEntry.literalSymbol(GlobEntry.at(globsAt, id));
}
/** The regex id of custom DLP detector k. */
export function customDetectorRegex(k: u32): u32 {
  return load<u32>(Settings.after(settingsAt) + k * 4);
}

export function valueAddr(id: u32): u32 {
  return valueDataAt + load<u32>(valuesAt + id * 4);
}

/** A list of u32 in the pool is inside it. */
function poolListOk(off: u32, count: u32): bool {
  return off <= poolLen && count <= (poolLen - off) / 4;
}

function valueIsTag(id: i32, tag: u32): bool {
  return id >= 0 && <u32>id < valueCount && <u32>load<u8>(valueAddr(<u32>id)) == tag;
}

/** Checks one rule's bytecode: known opcodes, operands in range, forward jumps inside it. */
function validateCode(at: u32, len: u32): bool {
  return validateBlock(at, 0, len, 0);
}

/**
 * Validates the code in [from, to) of the rule's code at `at`: it must end with End exactly
 * at `to`, jump only forward and inside itself, and read only the macro variables bound
 * around it (`depth` of them).
 */
function validateBlock(at: u32, from: u32, to: u32, depth: u32): bool {
  let pc = from;
  while (pc < to) {
    const op = load<u8>(at + pc);
    pc++;
    if (op == OP_END) return pc == to;
    if (op == OP_CONST) {
      if (to - pc < 4 || load<u32>(at + pc) >= valueCount) return false;
      pc += 4;
    } else if (op == OP_PATH) {
      if (to - pc < 6) return false;
      const root = <u32>load<u8>(at + pc);
      const badRoot = root > ROOT_RESOURCE_NAME && (root < ROOT_VAR || root - ROOT_VAR >= depth);
      if (badRoot || load<u32>(at + pc + 1) >= symbolCount) return false;
      const n = <u32>load<u8>(at + pc + 5);
      pc += 6;
      if (to - pc < n * 4) return false;
      for (let k: u32 = 0; k < n; k++) if (load<u32>(at + pc + k * 4) >= symbolCount) return false;
      pc += n * 4;
    } else if (op == OP_AND_JUMP || op == OP_OR_JUMP) {
      if (to - pc < 4) return false;
      const target = load<u32>(at + pc);
      pc += 4;
      if (target <= pc || target > to) return false;
    } else if (op == OP_AS_BOOL) {
      if (to - pc < 1) return false;
      pc++;
    } else if (op == OP_GLOB || op == OP_MATCHES) {
      if (to - pc < 4 || load<u32>(at + pc) >= (op == OP_GLOB ? globCount : regexCount)) return false;
      pc += 4;
    } else if (op == OP_EXISTS || op == OP_ALL) {
      if (to - pc < 5 || <u32>load<u8>(at + pc) != depth || depth >= MAX_MACRO_DEPTH) return false;
      const bodyLen = load<u32>(at + pc + 1);
      pc += 5;
      if (bodyLen > to - pc || !validateBlock(at, pc, pc + bodyLen, depth + 1)) return false;
      pc += bodyLen;
    } else if (!(op == OP_NOT || op == OP_NEGATE || (op >= OP_EQ && op <= OP_IN) || (op >= OP_ADD && op <= OP_DIV) ||
        (op >= OP_STARTS_WITH && op <= OP_CONTAINS) || (op >= OP_LOWER_ASCII && op <= OP_SIZE))) {
      return false;
    }
  }
  return false;
}

/** The last table read by `countedTable`: its records, their count, and the section's end. */
let tableAt: u32 = 0;
let tableCount: u32 = 0;
let tableEnd: u32 = 0;

/** Reads a section that starts with a u32 count of `recordBytes`-byte records. */
function countedTable(base: u32, len: u32, index: u32, recordBytes: u32): bool {
  if (!section(base, len, index, sec)) return false;
  const size = Span.length(sec);
  if (size < 4) return false;
  tableAt = Span.offset(sec) + 4;
  tableCount = load<u32>(tableAt - 4);
  tableEnd = Span.offset(sec) + size;
  return tableCount <= (size - 4) / recordBytes;
}

/** The `count` spans (offset, length) at `at` must lie inside `dataLen` bytes of data. */
function spansInside(at: u32, count: u32, dataLen: u32): bool {
  for (let i: u32 = 0; i < count; i++) {
    const span = Span.at(at, i);
    const off = Span.offset(span);
    if (off > dataLen || Span.length(span) > dataLen - off) return false;
  }
  return true;
}

function loadSymbols(base: u32, len: u32): bool {
  if (!countedTable(base, len, SEC_SYMBOLS, 8)) return false;
  setSymbolTable(tableAt - 4, tableCount);
  setSymbolLimit(<i32>symbolCount);
  return spansInside(tableAt, tableCount, tableEnd - Span.at(tableAt, tableCount));
}

function loadGlobs(base: u32, len: u32): bool {
  if (!countedTable(base, len, SEC_GLOBS, 12)) return false;
  globsAt = tableAt;
  globCount = tableCount;
  globDataAt = GlobEntry.at(globsAt, globCount);
  for (let i: u32 = 0; i < globCount; i++) {
    const g = GlobEntry.at(globsAt, i);
    const off = GlobEntry.dataOffset(g);
    const n = GlobEntry.length(g);
    if (off > tableEnd - globDataAt || n > tableEnd - globDataAt - off) return false;
    const lit = GlobEntry.literalSymbol(g);
    if (n > MAX_GLOB_TOKENS || lit < -1 || lit >= <i32>symbolCount) return false;
  }
  return true;
}

function loadValues(base: u32, len: u32): bool {
  if (!countedTable(base, len, SEC_VALUES, 4)) return false;
  valuesAt = tableAt;
  valueCount = tableCount;
  valueDataAt = valuesAt + valueCount * 4;
  for (let i: u32 = 0; i < valueCount; i++) {
    const at = valueDataAt + load<u32>(valuesAt + i * 4);
    if (at < valueDataAt || at >= tableEnd || validateValue(at, tableEnd, 0) == 0) return false;
  }
  return true;
}

/** The params, pool and code sections are read through the tables that point into them. */
function loadRawSections(base: u32, len: u32): bool {
  if (!section(base, len, SEC_SETTINGS, sec) || Span.length(sec) < SETTINGS_BYTES) return false;
  settingsAt = Span.offset(sec);
  // Custom DLP detectors: a count, then a regex id each, all inside the section.
  customDetectorCount = Settings.customDetectorCount(settingsAt);
  if (customDetectorCount > (Span.length(sec) - SETTINGS_BYTES) / 4) return false;
  for (let k: u32 = 0; k < customDetectorCount; k++) if (customDetectorRegex(k) >= regexCount) return false;
  if (!section(base, len, SEC_PARAMS, sec)) return false;
  paramsAt = Span.offset(sec);
  paramsLen = Span.length(sec);
  if (!section(base, len, SEC_POOL, sec)) return false;
  poolAt = Span.offset(sec);
  poolLen = Span.length(sec);
  if (!section(base, len, SEC_CODE, sec)) return false;
  codeAt = Span.offset(sec);
  codeLen = Span.length(sec);
  return true;
}

function paramSchemasOk(pAt: i32, pCount: u32): bool {
  if (pAt == -1) return true;
  if (pAt < 0 || <u32>pAt > paramsLen || pCount > (paramsLen - <u32>pAt) / PARAM_BYTES) return false;
  for (let k: u32 = 0; k < pCount; k++) {
    const p = ParamSchema.at(paramsAt + <u32>pAt, k);
    if (ParamSchema.name(p) >= symbolCount || ParamSchema.type(p) > 4) return false;
    const e = ParamSchema.enumValues(p);
    const g = ParamSchema.pattern(p);
    if ((e != -1 && !valueIsTag(e, TAG_LIST)) || g < -1 || g >= <i32>globCount) return false;
  }
  return true;
}

function loadCatalogues(base: u32, len: u32): bool {
  if (!countedTable(base, len, SEC_ACTIONS, ACTION_BYTES)) return false;
  actionsAt = tableAt;
  actionCount = tableCount;
  for (let i: u32 = 0; i < actionCount; i++) {
    const a = ActionEntry.at(actionsAt, i);
    if (ActionEntry.glob(a) >= globCount || !valueIsTag(ActionEntry.attrs(a), TAG_OBJECT)) return false;
    if (!paramSchemasOk(ActionEntry.paramsAt(a), ActionEntry.paramCount(a))) return false;
  }
  if (!countedTable(base, len, SEC_RESOURCES, RESOURCE_BYTES)) return false;
  resourcesAt = tableAt;
  resourceCount = tableCount;
  for (let i: u32 = 0; i < resourceCount; i++) {
    const r = ResourceEntry.at(resourcesAt, i);
    if (ResourceEntry.glob(r) >= globCount || !valueIsTag(ResourceEntry.attrs(r), TAG_OBJECT)) return false;
  }
  return true;
}

function loadRules(base: u32, len: u32): bool {
  if (!countedTable(base, len, SEC_RULES, RULE_BYTES)) return false;
  rulesAt = tableAt;
  ruleCount = tableCount;
  for (let i: u32 = 0; i < ruleCount; i++) {
    const r = RuleRecord.at(rulesAt, i);
    if (RuleRecord.effect(r) > 2) return false;
    if (!poolIdsBelow(RuleRecord.resourceGlobsAt(r), RuleRecord.resourceGlobCount(r), globCount)) return false;
    if (!poolIdsBelow(RuleRecord.agentGlobsAt(r), RuleRecord.agentGlobCount(r), globCount)) return false;
    if (!poolIdsBelow(RuleRecord.rolesAt(r), RuleRecord.roleCount(r), symbolCount)) return false;
    const cAt = RuleRecord.codeAt(r);
    const cLen = RuleRecord.codeLength(r);
    if (cAt >= 0) {
      if (<u32>cAt > codeLen || cLen > codeLen - <u32>cAt || !validateCode(codeAt + <u32>cAt, cLen)) return false;
    } else if (cAt != -1) return false;
  }
  return true;
}

/** A u32 list in the pool whose every id is below `limit`. */
function poolIdsBelow(off: u32, n: u32, limit: u32): bool {
  if (!poolListOk(off, n)) return false;
  for (let j: u32 = 0; j < n; j++) if (poolU32(off + j * 4) >= limit) return false;
  return true;
}

function loadIndex(base: u32, len: u32): bool {
  if (!section(base, len, SEC_INDEX, sec)) return false;
  const indexEnd = Span.offset(sec) + Span.length(sec);
  actionIndexAt = Span.offset(sec);
  resourceIndexAt = indexDimensionEnd(actionIndexAt, indexEnd);
  if (resourceIndexAt == 0) return false;
  anyRulesAt = indexDimensionEnd(resourceIndexAt, indexEnd);
  if (anyRulesAt == 0 || indexEnd - anyRulesAt < RuleList.size()) return false;
  return ruleListOk(RuleList.rulesAt(anyRulesAt), RuleList.ruleCount(anyRulesAt));
}

/** Validates and adopts the bundle at `base`; false when anything is out of shape. */
export function loadBundle(base: u32, len: u32): bool {
  if (len < HEADER_BYTES + SECTION_COUNT * 8) return false;
  if (BundleHeader.magic(base) != BUNDLE_MAGIC || BundleHeader.abi(base) != ABI_VERSION_NUMBER) return false;
  if (BundleHeader.length(base) != len || BundleHeader.sectionCount(base) != SECTION_COUNT) return false;
  flags = BundleHeader.flags(base);
  // Order matters: each step checks references into what the steps before it loaded.
  return loadSymbols(base, len) && loadGlobs(base, len) && loadRegexes(base, len) && loadValues(base, len) &&
    loadRawSections(base, len) &&
    loadCatalogues(base, len) && loadRules(base, len) && loadIndex(base, len);
}

/**
 * Validates one index dimension at `at`: a (list offset, count) per symbol, then wildcard
 * entries (glob, list offset, count). Returns where it ends, or 0 when malformed.
 */
function indexDimensionEnd(at: u32, end: u32): u32 {
  if (at > end || end - at < 8 || load<u32>(at) != symbolCount || symbolCount > (end - at - 8) / 8) return 0;
  for (let s: u32 = 0; s < symbolCount; s++) {
    if (!ruleListOk(exactListOff(at, s), exactListCount(at, s))) return 0;
  }
  const wildAt = RuleList.at(at + 4, symbolCount);
  const wild = load<u32>(wildAt);
  if (wild > (end - wildAt - 4) / 12) return 0;
  for (let w: u32 = 0; w < wild; w++) {
    const e = WildRules.at(wildAt + 4, w);
    if (WildRules.glob(e) >= globCount || !ruleListOk(WildRules.rulesAt(e), WildRules.ruleCount(e))) return 0;
  }
  return WildRules.at(wildAt + 4, wild);
}

function ruleListOk(off: u32, n: u32): bool {
  if (!poolListOk(off, n)) return false;
  for (let j: u32 = 0; j < n; j++) if (load<u32>(poolAt + off + j * 4) >= ruleCount) return false;
  return true;
}

export function ruleAddr(i: u32): u32 {
  return RuleRecord.at(rulesAt, i);
}
/**
 * In a dimension at `at` (a count, a `RuleList` per symbol, then the wildcard entries): the
 * rule list for an exact symbol.
 */
export function exactListOff(at: u32, sym: u32): u32 {
  return RuleList.rulesAt(RuleList.at(at + 4, sym));
}
export function exactListCount(at: u32, sym: u32): u32 {
  return RuleList.ruleCount(RuleList.at(at + 4, sym));
}
/** In a dimension at `at`: how many wildcard entries, and entry `w` (a `WildRules`). */
export function wildCount(at: u32): u32 {
  return load<u32>(RuleList.at(at + 4, symbolCount));
}
export function wildEntry(at: u32, w: u32): u32 {
  return WildRules.at(RuleList.at(at + 4, symbolCount) + 4, w);
}
export function poolU32(off: u32): u32 {
  return load<u32>(poolAt + off);
}
