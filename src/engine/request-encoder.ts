/**
 * @module
 * Encodes an `EvalRequest` straight into the evaluator's input buffer in one pass, checking
 * it as it goes: no JSON, no intermediate objects, no string interning (the evaluator
 * interns). This is the hot path of every embedded decision.
 *
 * INVARIANT: `encode` throws `EncodeFailure` exactly when `requestProblem` reports a problem
 * (a property test holds the two equal); the caller asks `requestProblem` for the wording.
 */
import { toMicros } from '../policy/money.js';
import { MAX_IDEMPOTENCY_KEY, MAX_STRING_LENGTH, MAX_VALUE_DEPTH, MAX_VALUE_NODES } from '../policy/request-check.js';
import { nowFields, type EvalRequest } from '../policy/verdict.js';
import type { JsonValue } from '../lib/json.js';
import { Req, REQUEST_MAGIC, REQ_SUSPENDED, Tag } from '../policy/bundle/format.js';
import { LEDGER_ENTRY, RATE_ENTRY, STRING_REF } from '../policy/bundle/layout.js';

// Field offsets of the request's records (`layout.ts`), hoisted for the hot path.
const RATE_RULE_AT = RATE_ENTRY.fields.rule.offset;
const RATE_COUNT_AT = RATE_ENTRY.fields.count.offset;
const LEDGER_RULE_AT = LEDGER_ENTRY.fields.rule.offset;
const LEDGER_USD_AT = LEDGER_ENTRY.fields.usdMicros.offset;
const LEDGER_TOKENS_AT = LEDGER_ENTRY.fields.tokens.offset;
const REF_OFFSET_AT = STRING_REF.fields.offset.offset;
const REF_LENGTH_AT = STRING_REF.fields.length.offset;

/** The request is malformed; `requestProblem` says how. */
export class EncodeFailure extends Error {}
/** The request is well formed but larger than the input buffer. */
export class RequestTooLarge extends Error {}

const NOW_KEYS = ['unix', 'year', 'month', 'day', 'hour', 'minute', 'weekday'] as const;
const OBJECT_PROTO = Object.prototype;

function bad(): never {
  throw new EncodeFailure();
}

function isPlain(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === OBJECT_PROTO || proto === null;
}

/** Fields of `o` outside `allowed` make the request malformed. */
function onlyKeys(o: Record<string, unknown>, allowed: readonly string[]): void {
  const keys = Object.keys(o);
  for (let i = 0; i < keys.length; i++) if (!allowed.includes(keys[i])) bad();
}

function isTopField(k: string): boolean {
  switch (k) {
    case 'action':
    case 'resource':
    case 'agent':
    case 'params':
    case 'context':
    case 'cost':
    case 'facts':
    case 'delegation':
    case 'idempotency_key':
      return true;
  }
  return false;
}

function finite(v: unknown, min = -Infinity): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) bad();
  return v;
}

/** Dollars (absent is 0) as micro-dollars; more than 6 decimals is malformed. */
function micros(v: unknown): number {
  if (v === undefined) return 0;
  const m = toMicros(finite(v, 0));
  return m === null ? bad() : m;
}

function optionalFinite(v: unknown, min = -Infinity): number {
  return v === undefined ? 0 : finite(v, min);
}

export class RequestEncoder {
  private readonly bytes: Uint8Array;
  private readonly view: DataView;
  private pos = 0;
  private nodes = 0;
  private readonly utf8 = new TextEncoder();
  private lastMinute = NaN;
  private nowCache: ReturnType<typeof nowFields> | null = null;

  constructor(
    private readonly ruleIndex: ReadonlyMap<string, number>,
    memory: WebAssembly.Memory,
    base: number,
    private readonly capacity: number,
    private readonly encodeNow: boolean,
    /** The first keys of the `context.*` paths the bundle's rules read. */
    private readonly contextKeys: ReadonlySet<string>,
  ) {
    this.bytes = new Uint8Array(memory.buffer, base, capacity);
    this.view = new DataView(memory.buffer, base, capacity);
  }

  private room(n: number): void {
    if (this.pos + n > this.capacity)
      throw new RequestTooLarge(`request is larger than the ${this.capacity}-byte input buffer`);
  }

  /** Writes the UTF-8 bytes of a checked string at pos; returns the byte count. */
  private raw(s: unknown): number {
    if (typeof s !== 'string' || s.length > MAX_STRING_LENGTH) bad();
    const start = this.pos;
    const n = s.length;
    this.room(n);
    const bytes = this.bytes;
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      bytes[start + i] = c;
    }
    if (i === n) {
      this.pos = start + n;
      return n;
    }
    if (!s.isWellFormed()) bad();
    this.room(n * 3);
    const { written } = this.utf8.encodeInto(s.slice(i), bytes.subarray(start + i));
    this.pos = start + i + written;
    return i + written;
  }

  /** (sym, length, bytes); the sym is left for the evaluator, which interns every string. */
  private string(s: unknown): void {
    this.room(8);
    const at = this.pos;
    this.pos += 8;
    this.view.setUint32(at + 4, this.raw(s), true);
  }

  private value(v: unknown, depth: number): void {
    if (--this.nodes < 0 || depth > MAX_VALUE_DEPTH) bad();
    this.room(9);
    const bytes = this.bytes;
    // Most common first: strings, then numbers.
    if (typeof v === 'string') {
      bytes[this.pos++] = Tag.String;
      this.string(v);
    } else if (typeof v === 'number') {
      if (!Number.isFinite(v)) bad();
      bytes[this.pos] = Tag.Number;
      this.view.setFloat64(this.pos + 1, v, true);
      this.pos += 9;
    } else if (v === true) bytes[this.pos++] = Tag.True;
    else if (v === false) bytes[this.pos++] = Tag.False;
    else if (v === null) bytes[this.pos++] = Tag.Null;
    else if (Array.isArray(v)) {
      const at = this.pos;
      bytes[at] = Tag.List;
      this.view.setUint32(at + 1, v.length, true);
      this.pos += 9;
      for (let i = 0; i < v.length; i++) this.value(v[i], depth + 1);
      this.view.setUint32(at + 5, this.pos - at - 9, true);
    } else if (isPlain(v)) this.object(v, depth);
    else bad();
  }

  /** Validates a value exactly as `value` would, without writing it. */
  private check(v: unknown, depth: number): void {
    if (--this.nodes < 0 || depth > MAX_VALUE_DEPTH) bad();
    if (typeof v === 'string') {
      if (v.length > MAX_STRING_LENGTH || !v.isWellFormed()) bad();
    } else if (typeof v === 'number') {
      if (!Number.isFinite(v)) bad();
    } else if (v === true || v === false || v === null) return;
    else if (Array.isArray(v)) for (let i = 0; i < v.length; i++) this.check(v[i], depth + 1);
    else if (isPlain(v)) {
      const keys = Object.keys(v);
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i];
        if (key.length > MAX_STRING_LENGTH || !key.isWellFormed()) bad();
        this.check(v[key], depth + 1);
      }
    } else bad();
  }

  /**
   * The context object: only the keys some rule reads are encoded (the rest are checked).
   * Nothing but `when` expressions reads context, so the decision is the same.
   */
  private context(v: unknown): void {
    if (v === undefined) return this.root(undefined);
    if (!isPlain(v)) bad();
    if (--this.nodes < 0) bad();
    const at = this.beginObject();
    const keys = Object.keys(v);
    let count = 0;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      if (this.contextKeys.has(key)) {
        this.string(key);
        this.value(v[key], 2);
        count++;
      } else {
        if (key.length > MAX_STRING_LENGTH || !key.isWellFormed()) bad();
        this.check(v[key], 2);
      }
    }
    this.endObject(at, count);
  }

  private object(o: Record<string, unknown>, depth: number): void {
    const at = this.pos;
    this.room(9);
    this.bytes[at] = Tag.Object;
    this.pos += 9;
    const keys = Object.keys(o);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      this.string(key);
      this.value(o[key], depth + 1);
    }
    this.view.setUint32(at + 1, keys.length, true);
    this.view.setUint32(at + 5, this.pos - at - 9, true);
  }

  /** Writes an object value of named fields (agent, now), all known to be valid. */
  private beginObject(): number {
    this.room(9);
    this.bytes[this.pos] = Tag.Object;
    this.pos += 9;
    return this.pos - 9;
  }
  private endObject(at: number, count: number): void {
    this.view.setUint32(at + 1, count, true);
    this.view.setUint32(at + 5, this.pos - at - 9, true);
  }

  private headerString(at: number, s: unknown): void {
    if (typeof s !== 'string' || s.length === 0) bad();
    this.view.setUint32(at + REF_OFFSET_AT, this.pos, true);
    this.view.setUint32(at + REF_LENGTH_AT, this.raw(s), true);
  }

  private now(ms: number): ReturnType<typeof nowFields> {
    const minute = Math.floor(ms / 60_000);
    if (minute !== this.lastMinute || this.nowCache === null) {
      this.nowCache = nowFields(ms);
      this.lastMinute = minute;
    }
    this.nowCache.unix = Math.floor(ms / 1000);
    return this.nowCache;
  }

  /** A params or context object: absent means empty. */
  private root(v: unknown): void {
    if (v === undefined) {
      this.room(9);
      this.bytes[this.pos] = Tag.Object;
      this.view.setUint32(this.pos + 1, 0, true);
      this.view.setUint32(this.pos + 5, 0, true);
      this.pos += 9;
      return;
    }
    if (!isPlain(v)) bad();
    this.value(v, 1);
  }

  /**
   * Checks and encodes a request. Returns its length in bytes. Throws `EncodeFailure` when
   * it is malformed and `RequestTooLarge` when it doesn't fit. `trustDefault` is the
   * bundle's initial trust, used when the facts carry none.
   */
  encode(r: EvalRequest, trustDefault: number, dlpViews: readonly string[] = []): number {
    if (!isPlain(r)) bad();
    const top = Object.keys(r);
    for (let i = 0; i < top.length; i++) if (!isTopField(top[i])) bad();
    const v = this.view;
    this.pos = Req.HeaderBytes;
    this.nodes = MAX_VALUE_NODES;
    this.room(0);
    v.setUint32(Req.Magic, REQUEST_MAGIC, true);
    this.headerString(Req.ActionSym, r.action);
    this.headerString(Req.ResourceSym, r.resource);
    const agent = r.agent as unknown;
    if (!isPlain(agent)) bad();
    onlyKeys(agent, ['id', 'tenant', 'roles']);
    this.headerString(Req.AgentSym, agent.id);
    if (r.idempotency_key !== undefined) {
      this.rawCheck(r.idempotency_key);
      const length = (r.idempotency_key as string).length;
      if (length === 0 || length > MAX_IDEMPOTENCY_KEY) bad();
    }

    const facts = r.facts as unknown;
    let trust = trustDefault;
    let risk = 0;
    let suspended = false;
    let nowMs = 0;
    let day: Record<string, unknown> | undefined;
    let month: Record<string, unknown> | undefined;
    let rates: Record<string, unknown> | undefined;
    let ledgers: Record<string, unknown> | undefined;
    if (facts !== undefined) {
      if (!isPlain(facts)) bad();
      onlyKeys(facts, ['trust', 'risk', 'suspended', 'spend', 'ledgers', 'rates', 'now']);
      if (facts.trust !== undefined) trust = finite(facts.trust);
      risk = optionalFinite(facts.risk, 0);
      nowMs = optionalFinite(facts.now);
      if (facts.suspended !== undefined && typeof facts.suspended !== 'boolean') bad();
      suspended = facts.suspended === true;
      if (facts.spend !== undefined) {
        if (!isPlain(facts.spend)) bad();
        onlyKeys(facts.spend, ['day', 'month']);
        day = this.spendPeriod(facts.spend.day);
        month = this.spendPeriod(facts.spend.month);
      }
      if (facts.rates !== undefined) {
        if (!isPlain(facts.rates)) bad();
        rates = facts.rates;
      }
      if (facts.ledgers !== undefined) {
        if (!isPlain(facts.ledgers)) bad();
        ledgers = facts.ledgers;
      }
    }
    v.setFloat64(Req.Trust, trust, true);
    v.setFloat64(Req.Risk, risk, true);
    const cost = r.cost as unknown;
    let usd = 0;
    let tokens = 0;
    if (cost !== undefined) {
      if (!isPlain(cost)) bad();
      onlyKeys(cost, ['usd', 'tokens']);
      usd = micros(cost.usd);
      tokens = optionalFinite(cost.tokens, 0);
      if (!Number.isSafeInteger(tokens)) bad();
    }
    v.setFloat64(Req.CostUsd, usd, true);
    v.setFloat64(Req.CostTokens, tokens, true);
    v.setFloat64(Req.SpendDayUsd, micros(day?.usd), true);
    v.setFloat64(Req.SpendDayTokens, optionalFinite(day?.tokens, 0), true);
    v.setFloat64(Req.SpendMonthUsd, micros(month?.usd), true);
    v.setFloat64(Req.SpendMonthTokens, optionalFinite(month?.tokens, 0), true);
    v.setUint32(Req.Flags, suspended ? REQ_SUSPENDED : 0, true);

    let rateCount = 0;
    v.setUint32(Req.RatesOff, this.pos, true);
    if (rates) {
      for (const id of Object.keys(rates)) {
        const count = finite(rates[id], 0);
        const index = this.ruleIndex.get(id);
        if (index === undefined) continue;
        this.room(RATE_ENTRY.bytes);
        v.setUint32(this.pos + RATE_RULE_AT, index, true);
        v.setFloat64(this.pos + RATE_COUNT_AT, count, true);
        this.pos += RATE_ENTRY.bytes;
        rateCount++;
      }
    }
    v.setUint32(Req.RatesCount, rateCount, true);

    // Each rule's own ledger, in its limits' periods: usd in micro-dollars, and tokens.
    let ledgerCount = 0;
    const ledgersAt = this.pos;
    v.setUint32(Req.LedgersOff, ledgersAt, true);
    this.room(4);
    this.pos += 4;
    if (ledgers) {
      for (const id of Object.keys(ledgers)) {
        const ledger = ledgers[id];
        if (!isPlain(ledger)) bad();
        onlyKeys(ledger, ['usd', 'tokens']);
        const index = this.ruleIndex.get(id);
        if (index === undefined) continue;
        this.room(LEDGER_ENTRY.bytes);
        v.setUint32(this.pos + LEDGER_RULE_AT, index, true);
        v.setFloat64(this.pos + LEDGER_USD_AT, micros(ledger.usd), true);
        v.setFloat64(this.pos + LEDGER_TOKENS_AT, optionalFinite(ledger.tokens, 0), true);
        this.pos += LEDGER_ENTRY.bytes;
        ledgerCount++;
      }
    }
    v.setUint32(ledgersAt, ledgerCount, true);

    // agent: { id, tenant?, roles, trust }
    v.setUint32(Req.AgentObj, this.pos, true);
    const agentAt = this.beginObject();
    this.string('id');
    this.bytes[this.pos++] = Tag.String;
    this.string(agent.id);
    let fields = 3;
    if (agent.tenant !== undefined) {
      this.string('tenant');
      this.room(1);
      this.bytes[this.pos++] = Tag.String;
      this.string(agent.tenant);
      fields++;
    }
    this.string('roles');
    this.stringList(agent.roles);
    this.string('trust');
    this.room(9);
    this.bytes[this.pos] = Tag.Number;
    v.setFloat64(this.pos + 1, trust, true);
    this.pos += 9;
    this.endObject(agentAt, fields);

    v.setUint32(Req.ParamsObj, this.pos, true);
    this.root(r.params);
    v.setUint32(Req.ContextObj, this.pos, true);
    this.context(r.context);
    v.setUint32(Req.DelegationObj, this.pos, true);
    this.delegation(r.delegation);
    v.setUint32(Req.NowObj, this.pos, true);
    if (this.encodeNow) {
      const now = this.now(nowMs);
      const at = this.beginObject();
      for (const key of NOW_KEYS) {
        this.string(key);
        this.room(9);
        this.bytes[this.pos] = Tag.Number;
        v.setFloat64(this.pos + 1, now[key], true);
        this.pos += 9;
      }
      this.endObject(at, NOW_KEYS.length);
    } else this.root(undefined);
    v.setUint32(Req.DlpViews, this.pos, true);
    this.viewList(dlpViews);
    v.setUint32(Req.Length, this.pos, true);
    return this.pos;
  }

  /** Checks a string that is not encoded (the idempotency key). */
  private rawCheck(s: unknown): void {
    if (typeof s !== 'string' || s.length > MAX_STRING_LENGTH || !s.isWellFormed()) bad();
  }

  private spendPeriod(p: unknown): Record<string, unknown> | undefined {
    if (p === undefined) return undefined;
    if (!isPlain(p)) bad();
    onlyKeys(p, ['usd', 'tokens']);
    return p;
  }

  /** A list of at most 64 strings (roles, delegation chain); absent is empty. */
  private stringList(list: unknown, max = 64): void {
    const items = list === undefined ? [] : list;
    if (!Array.isArray(items) || items.length > max) bad();
    this.room(9);
    const at = this.pos;
    this.bytes[at] = Tag.List;
    this.view.setUint32(at + 1, items.length, true);
    this.pos += 9;
    for (let i = 0; i < items.length; i++) {
      this.room(1);
      this.bytes[this.pos++] = Tag.String;
      this.string(items[i]);
    }
    this.view.setUint32(at + 5, this.pos - at - 9, true);
  }

  /** The DLP views: built by the host, so bounded by `dlpViews` rather than here. */
  private viewList(views: readonly string[]): void {
    this.stringList(views, Infinity);
  }

  private delegation(d: unknown): void {
    if (d === undefined) {
      this.room(1);
      this.bytes[this.pos++] = Tag.Null;
      return;
    }
    if (!isPlain(d)) bad();
    onlyKeys(d, ['depth', 'root', 'chain']);
    const depth = finite(d.depth, 0);
    if (!Number.isSafeInteger(depth) || typeof d.root !== 'string' || !Array.isArray(d.chain)) bad();
    // Encoded in the request's own key order, as the reference reads it.
    const at = this.beginObject();
    let count = 0;
    for (const key of Object.keys(d)) {
      this.string(key);
      if (key === 'depth') {
        this.room(9);
        this.bytes[this.pos] = Tag.Number;
        this.view.setFloat64(this.pos + 1, depth, true);
        this.pos += 9;
      } else if (key === 'root') {
        this.room(1);
        this.bytes[this.pos++] = Tag.String;
        this.string(d.root);
      } else this.stringList(d.chain);
      count++;
    }
    this.endObject(at, count);
  }
}
