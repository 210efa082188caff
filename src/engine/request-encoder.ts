/**
 * @module
 * Encodes an `EvalRequest` straight into the evaluator's input buffer: strings interned
 * against the bundle's symbols, numbers as f64, no JSON and no intermediate objects.
 * This is the hot path of every embedded decision.
 */
import type { EvalRequest, JsonValue } from '../policy/decision.js';
import { nowFields } from '../policy/decision.js';
import { Req, REQUEST_MAGIC, REQ_SUSPENDED, Tag } from '../policy/bundle/format.js';

/** Thrown when a request doesn't fit the input buffer. */
export class RequestTooLarge extends Error {}

const NOW_KEYS = ['unix', 'year', 'month', 'day', 'hour', 'minute', 'weekday'] as const;

export class RequestEncoder {
  private bytes: Uint8Array;
  private view: DataView;
  private pos = 0;
  private readonly utf8 = new TextEncoder();
  private lastMinute = NaN;
  private nowCache: ReturnType<typeof nowFields> | null = null;

  constructor(
    private readonly symbols: ReadonlyMap<string, number>,
    private readonly ruleIndex: ReadonlyMap<string, number>,
    memory: WebAssembly.Memory,
    private readonly base: number,
    private readonly capacity: number,
    private readonly encodeNow: boolean,
  ) {
    this.bytes = new Uint8Array(memory.buffer, base, capacity);
    this.view = new DataView(memory.buffer, base, capacity);
  }

  private sym(s: string): number {
    return this.symbols.get(s) ?? -1;
  }

  private room(n: number): void {
    if (this.pos + n > this.capacity) throw new RequestTooLarge(`request is larger than the ${this.capacity}-byte input buffer`);
  }

  /** Writes UTF-8 bytes of `s` at pos; returns the byte count. */
  private raw(s: string): number {
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
    this.room(n * 3);
    const { written } = this.utf8.encodeInto(s.slice(i), bytes.subarray(start + i));
    this.pos = start + i + written;
    return i + written;
  }

  private string(s: string): void {
    this.room(8);
    const at = this.pos;
    this.view.setInt32(at, this.sym(s), true);
    this.pos += 8;
    this.view.setUint32(at + 4, this.raw(s), true);
  }

  private value(v: JsonValue): void {
    this.room(9);
    const bytes = this.bytes;
    if (v === null) bytes[this.pos++] = Tag.Null;
    else if (v === true) bytes[this.pos++] = Tag.True;
    else if (v === false) bytes[this.pos++] = Tag.False;
    else if (typeof v === 'number') {
      bytes[this.pos] = Tag.Number;
      this.view.setFloat64(this.pos + 1, v, true);
      this.pos += 9;
    } else if (typeof v === 'string') {
      bytes[this.pos++] = Tag.String;
      this.string(v);
    } else if (Array.isArray(v)) {
      const at = this.pos;
      bytes[at] = Tag.List;
      this.view.setUint32(at + 1, v.length, true);
      this.pos += 9;
      for (let i = 0; i < v.length; i++) this.value(v[i]);
      this.view.setUint32(at + 5, this.pos - at - 9, true);
    } else this.object(v);
  }

  private object(o: { [key: string]: JsonValue }): void {
    const at = this.pos;
    this.room(9);
    this.bytes[at] = Tag.Object;
    this.pos += 9;
    let count = 0;
    for (const key in o) {
      this.string(key);
      this.value(o[key]);
      count++;
    }
    this.view.setUint32(at + 1, count, true);
    this.view.setUint32(at + 5, this.pos - at - 9, true);
  }

  private headerString(at: number, s: string): void {
    this.view.setInt32(at, this.sym(s), true);
    this.view.setUint32(at + 4, this.pos, true);
    this.view.setUint32(at + 8, this.raw(s), true);
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

  /**
   * Encodes a request that already passed `requestProblem`. Returns its length in bytes.
   * `trustDefault` is the bundle's initial trust, used when facts carry none.
   */
  encode(r: EvalRequest, trustDefault: number): number {
    const v = this.view;
    const facts = r.facts;
    this.pos = Req.HeaderBytes;
    v.setUint32(Req.Magic, REQUEST_MAGIC, true);
    this.headerString(Req.ActionSym, r.action);
    this.headerString(Req.ResourceSym, r.resource);
    this.headerString(Req.AgentSym, r.agent.id);
    const roles = r.agent.roles ?? [];
    this.room(roles.length * 4);
    v.setUint32(Req.RolesCount, roles.length, true);
    v.setUint32(Req.RolesOff, this.pos, true);
    for (let i = 0; i < roles.length; i++) {
      v.setInt32(this.pos, this.sym(roles[i]), true);
      this.pos += 4;
    }
    const trust = facts?.trust ?? trustDefault;
    v.setFloat64(Req.Trust, trust, true);
    v.setFloat64(Req.Risk, facts?.risk ?? 0, true);
    v.setFloat64(Req.CostUsd, r.cost?.usd ?? 0, true);
    v.setFloat64(Req.CostTokens, r.cost?.tokens ?? 0, true);
    const day = facts?.spend?.day;
    const month = facts?.spend?.month;
    v.setFloat64(Req.SpendDayUsd, day?.usd ?? 0, true);
    v.setFloat64(Req.SpendDayTokens, day?.tokens ?? 0, true);
    v.setFloat64(Req.SpendMonthUsd, month?.usd ?? 0, true);
    v.setFloat64(Req.SpendMonthTokens, month?.tokens ?? 0, true);
    v.setUint32(Req.Flags, facts?.suspended ? REQ_SUSPENDED : 0, true);

    let rateCount = 0;
    v.setUint32(Req.RatesOff, this.pos, true);
    if (facts?.rates) {
      for (const id in facts.rates) {
        const index = this.ruleIndex.get(id);
        if (index === undefined) continue;
        this.room(12);
        v.setUint32(this.pos, index, true);
        v.setFloat64(this.pos + 4, facts.rates[id], true);
        this.pos += 12;
        rateCount++;
      }
    }
    v.setUint32(Req.RatesCount, rateCount, true);

    // agent: { id, tenant?, roles, trust }
    v.setUint32(Req.AgentObj, this.pos, true);
    const agentAt = this.pos;
    this.room(9);
    this.bytes[agentAt] = Tag.Object;
    this.pos += 9;
    this.string('id');
    this.value(r.agent.id);
    let fields = 3;
    if (r.agent.tenant !== undefined) {
      this.string('tenant');
      this.value(r.agent.tenant);
      fields++;
    }
    this.string('roles');
    this.value(roles);
    this.string('trust');
    this.value(trust);
    v.setUint32(agentAt + 1, fields, true);
    v.setUint32(agentAt + 5, this.pos - agentAt - 9, true);

    v.setUint32(Req.ParamsObj, this.pos, true);
    this.object(r.params ?? EMPTY);
    v.setUint32(Req.ContextObj, this.pos, true);
    this.object(r.context ?? EMPTY);
    v.setUint32(Req.DelegationObj, this.pos, true);
    if (r.delegation) this.object(r.delegation as unknown as { [key: string]: JsonValue });
    else this.value(null);
    v.setUint32(Req.NowObj, this.pos, true);
    if (this.encodeNow) {
      const now = this.now(facts?.now ?? 0);
      const at = this.pos;
      this.room(9);
      this.bytes[at] = Tag.Object;
      this.pos += 9;
      for (const key of NOW_KEYS) {
        this.string(key);
        this.value(now[key]);
      }
      v.setUint32(at + 1, NOW_KEYS.length, true);
      v.setUint32(at + 5, this.pos - at - 9, true);
    } else this.object(EMPTY);
    v.setUint32(Req.Length, this.pos, true);
    return this.pos;
  }
}

const EMPTY: { [key: string]: JsonValue } = Object.freeze({}) as { [key: string]: JsonValue };
