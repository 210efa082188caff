/**
 * Validation of the encoded request in the input buffer. After `adoptRequest` succeeds,
 * every offset in the header is known to point inside the request.
 */
import {
  REQUEST_MAGIC, REQ_ACTION_LEN, REQ_ACTION_OFF, REQ_ACTION_SYM, REQ_AGENT_LEN, REQ_AGENT_OBJ, REQ_AGENT_OFF,
  REQ_AGENT_SYM, REQ_CONTEXT_OBJ, REQ_DELEGATION_OBJ, REQ_HEADER_BYTES, REQ_LENGTH, REQ_MAGIC, REQ_NOW_OBJ,
  REQ_DLP_VIEWS, REQ_LEDGERS_OFF, REQ_PARAMS_OBJ, REQ_RATES_COUNT, REQ_RATES_OFF, REQ_RESOURCE_LEN, REQ_RESOURCE_OFF,
  REQ_RESOURCE_SYM, TAG_LIST, TAG_NULL, TAG_OBJECT, TAG_STRING, ContainerValue, LedgerEntry, RateEntry, StringRef,
} from './abi';
import { ruleCount } from './bundle';
import { intern } from './intern';
import { encodedStringOf, objectGet, setInterning, skipValue, symbolAt, validateValue, valueTag } from './values';
import { Subject } from './vm';

export let agentStr: u32 = 0;
export let agentLen: u32 = 0;
export let agentSym: i32 = -1;
export let rolesAt: u32 = 0;
export let rolesCount: u32 = 0;
export let ratesAt: u32 = 0;
export let ratesCount: u32 = 0;
/** Rule ledgers: (rule index u32, usd micro-dollars f64, tokens f64) each. */
let ledgersAt: u32 = 0;
let ledgersCount: u32 = 0;
/** The list of strings the DLP deny detectors scan. */
export let dlpViewsAt: u32 = 0;

/** A (sym, offset, length) string reference in the header: checked, then interned. */
function stringRef(base: u32, len: u32, at: u32): bool {
  const ref = base + at;
  const off = StringRef.offset(ref);
  const n = StringRef.length(ref);
  if (off > len || n > len - off) return false;
  store<i32>(ref, intern(base + off, n));
  return true;
}

/** A list of strings at the header's offset, or 0 when it is anything else. */
function stringListRef(base: u32, len: u32, at: u32): u32 {
  const off = load<u32>(base + at);
  if (off < REQ_HEADER_BYTES || off >= len || valueTag(base + off) != TAG_LIST) return 0;
  // Interning mode only marks each string's sym as not interned: views are never compared.
  setInterning(true);
  const ok = validateValue(base + off, base + len, 1) != 0;
  setInterning(false);
  if (!ok) return 0;
  let q = ContainerValue.after(base + off);
  for (let i: u32 = 0, count = ContainerValue.count(base + off); i < count; i++) {
    if (valueTag(q) != TAG_STRING) return 0;
    q = skipValue(q);
  }
  return base + off;
}

/** An object (or, when `nullable`, null) value at the header's offset. */
function objectRef(base: u32, len: u32, at: u32, nullable: bool): u32 {
  const off = load<u32>(base + at);
  if (off < REQ_HEADER_BYTES || off >= len) return 0;
  const tag = valueTag(base + off);
  if (tag != TAG_OBJECT && !(nullable && tag == TAG_NULL)) return 0;
  setInterning(true);
  const ok = validateValue(base + off, base + len, 1) != 0;
  setInterning(false);
  return ok ? base + off : 0;
}

/** Checks the request at `base` and points `Subject` at its parts; false when malformed. */
export function adoptRequest(base: u32, len: u32): bool {
  if (len < REQ_HEADER_BYTES || load<u32>(base + REQ_MAGIC) != REQUEST_MAGIC) return false;
  if (load<u32>(base + REQ_LENGTH) != len) return false;
  if (!stringRef(base, len, REQ_ACTION_SYM) || !stringRef(base, len, REQ_RESOURCE_SYM)) return false;
  if (!stringRef(base, len, REQ_AGENT_SYM)) return false;
  ratesCount = load<u32>(base + REQ_RATES_COUNT);
  const ratesOff = load<u32>(base + REQ_RATES_OFF);
  if (ratesOff > len || ratesCount > (len - ratesOff) / RateEntry.size()) return false;
  ratesAt = base + ratesOff;
  for (let i: u32 = 0; i < ratesCount; i++) if (RateEntry.rule(RateEntry.at(ratesAt, i)) >= ruleCount) return false;
  const ledgersOff = load<u32>(base + REQ_LEDGERS_OFF);
  if (ledgersOff < REQ_HEADER_BYTES || ledgersOff > len - 4) return false;
  ledgersCount = load<u32>(base + ledgersOff);
  if (ledgersCount > (len - ledgersOff - 4) / LedgerEntry.size()) return false;
  ledgersAt = base + ledgersOff + 4;
  for (let i: u32 = 0; i < ledgersCount; i++) {
    if (LedgerEntry.rule(LedgerEntry.at(ledgersAt, i)) >= ruleCount) return false;
  }

  Subject.agentObj = objectRef(base, len, REQ_AGENT_OBJ, false);
  // The roles are the agent object's `roles` list, validated and interned with it.
  rolesAt = Subject.agentObj == 0 ? 0 : objectGet(Subject.agentObj, rolesSymbol);
  rolesCount = rolesAt != 0 && valueTag(rolesAt) == TAG_LIST ? ContainerValue.count(rolesAt) : 0;
  Subject.paramsObj = objectRef(base, len, REQ_PARAMS_OBJ, false);
  Subject.contextObj = objectRef(base, len, REQ_CONTEXT_OBJ, false);
  Subject.delegationObj = objectRef(base, len, REQ_DELEGATION_OBJ, true);
  Subject.nowObj = objectRef(base, len, REQ_NOW_OBJ, false);
  dlpViewsAt = stringListRef(base, len, REQ_DLP_VIEWS);
  if (dlpViewsAt == 0) return false;
  if (Subject.agentObj == 0 || Subject.paramsObj == 0 || Subject.contextObj == 0) return false;
  if (Subject.delegationObj == 0 || Subject.nowObj == 0) return false;
  Subject.actionSym = load<i32>(base + REQ_ACTION_SYM);
  Subject.actionStr = base + load<u32>(base + REQ_ACTION_OFF);
  Subject.actionLen = load<u32>(base + REQ_ACTION_LEN);
  Subject.resourceSym = load<i32>(base + REQ_RESOURCE_SYM);
  Subject.resourceStr = base + load<u32>(base + REQ_RESOURCE_OFF);
  Subject.resourceLen = load<u32>(base + REQ_RESOURCE_LEN);
  agentSym = load<i32>(base + REQ_AGENT_SYM);
  agentStr = base + load<u32>(base + REQ_AGENT_OFF);
  agentLen = load<u32>(base + REQ_AGENT_LEN);
  return true;
}

/** Rule r's ledger: usd (micro-dollars) when `tokens` is false, else tokens; 0 when the host sent none. */
export function ledgerFor(r: u32, tokens: bool): f64 {
  for (let i: u32 = 0; i < ledgersCount; i++) {
    const entry = LedgerEntry.at(ledgersAt, i);
    if (LedgerEntry.rule(entry) == r) return tokens ? LedgerEntry.tokens(entry) : LedgerEntry.usdMicros(entry);
  }
  return 0;
}

/** The request's rate count for rule `r` (0 when the host sent none). */
export function rateCountFor(r: u32): f64 {
  for (let i: u32 = 0; i < ratesCount; i++) {
    const entry = RateEntry.at(ratesAt, i);
    if (RateEntry.rule(entry) == r) return RateEntry.count(entry);
  }
  return 0;
}

/** Whether any of the request's roles (strings in the agent's `roles` list) has symbol `sym`. */
export function hasRole(sym: i32): bool {
  let q = ContainerValue.after(rolesAt);
  for (let i: u32 = 0; i < rolesCount; i++) {
    if (valueTag(q) == TAG_STRING && symbolAt(encodedStringOf(q)) == sym) return true;
    q = skipValue(q);
  }
  return false;
}

const ROLES_KEY = memory.data<u8>([0x72, 0x6f, 0x6c, 0x65, 0x73]); // "roles"
let rolesSymbol: i32 = -1;

/** Finds the `roles` key's symbol once per bundle. */
export function prepareRequestKeys(): void {
  rolesSymbol = intern(<u32>ROLES_KEY, 5);
}
