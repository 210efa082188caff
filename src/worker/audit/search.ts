/**
 * @module
 * Searching the audit: the D1 index, plus the records still waiting in the agents' Durable
 * Objects (the tenant's object knows which agents have some), so a decision can be found
 * the moment it is made. Results are newest first,
 * ordered by (time, agent, seq); a cursor is the last key a page returned.
 */
import { AUDIT_KINDS, type AuditRecord, type ChainedRecord } from '../../audit/chain.js';
import { fromBase64, toBase64, utf8 } from '../../lib/encoding.js';
import { globMatch, globProblem } from '../../policy/glob.js';
import { auditTail, callAgent } from '../agents.js';
import { tenantStub } from '../tenant-object.js';
import type { Env } from '../env.js';
import { ApiError } from '../errors.js';

export interface AuditFilter {
  agent?: string;
  /** A glob over action names. */
  action?: string;
  decision?: string;
  code?: string;
  rule?: string;
  kind?: string;
  /** ISO times: from inclusive, to exclusive. */
  from?: string;
  to?: string;
}

export interface Cursor {
  time: string;
  agent: string;
  seq: number;
}

const FILTER_KEYS = ['agent', 'action', 'decision', 'code', 'rule', 'kind', 'from', 'to'] as const;
const DECISIONS = ['allow', 'deny', 'require_approval'];
const PAGE = 200;

function isoTime(field: string, value: string): string {
  const ms = Date.parse(value);
  if (Number.isNaN(ms))
    throw new ApiError('invalid_request', `${field}: must be an ISO 8601 time, like 2026-11-23T10:00:00Z`);
  return new Date(ms).toISOString();
}

/** The filter in a query string; unknown values of closed sets are errors that name the field. */
export function parseAuditFilter(query: URLSearchParams, extraKeys: readonly string[] = []): AuditFilter {
  for (const key of query.keys()) {
    if (!(FILTER_KEYS as readonly string[]).includes(key) && !extraKeys.includes(key)) {
      throw new ApiError(
        'invalid_request',
        `${key}: is not a known query parameter (expected ${[...FILTER_KEYS, ...extraKeys].join(', ')})`,
      );
    }
  }
  const filter: AuditFilter = {};
  for (const key of FILTER_KEYS) {
    const value = query.get(key);
    if (value !== null) filter[key] = value;
  }
  if (filter.decision !== undefined && !DECISIONS.includes(filter.decision))
    throw new ApiError('invalid_request', `decision: must be one of ${DECISIONS.join(', ')}`);
  if (filter.kind !== undefined && !(AUDIT_KINDS as readonly string[]).includes(filter.kind))
    throw new ApiError('invalid_request', `kind: must be one of ${AUDIT_KINDS.join(', ')}`);
  if (filter.action !== undefined) {
    const problem = globProblem(filter.action);
    if (problem) throw new ApiError('invalid_request', `action: ${problem}`);
  }
  if (filter.from !== undefined) filter.from = isoTime('from', filter.from);
  if (filter.to !== undefined) filter.to = isoTime('to', filter.to);
  return filter;
}

export function encodeCursor(record: AuditRecord): string {
  return toBase64(utf8.encode(JSON.stringify([record.time, record.agent, record.seq]))).replace(/=+$/, '');
}

export function decodeCursor(text: string): Cursor {
  try {
    const [time, agent, seq] = JSON.parse(
      new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(fromBase64(text)),
    ) as unknown[];
    if (typeof time === 'string' && typeof agent === 'string' && Number.isSafeInteger(seq))
      return { time, agent, seq: seq as number };
  } catch {
    // reported below
  }
  throw new ApiError('invalid_request', 'cursor: is not a cursor this API returned');
}

/** Whether a comes after b in time order (the order results are returned in, reversed). */
function after(a: Cursor, b: Cursor): boolean {
  return a.time !== b.time ? a.time > b.time : a.agent !== b.agent ? a.agent > b.agent : a.seq > b.seq;
}

function matches(r: AuditRecord, f: AuditFilter, before: Cursor | null): boolean {
  if (before && !after(before, r)) return false;
  if (f.agent !== undefined && r.agent !== f.agent) return false;
  if (f.decision !== undefined && r.decision !== f.decision) return false;
  if (f.code !== undefined && r.code !== f.code) return false;
  if (f.kind !== undefined && r.kind !== f.kind) return false;
  if (f.rule !== undefined && !(Array.isArray(r.rules) && r.rules.includes(f.rule))) return false;
  if (f.from !== undefined && r.time < f.from) return false;
  if (f.to !== undefined && r.time >= f.to) return false;
  return f.action === undefined || (typeof r.action === 'string' && globMatch(f.action, r.action));
}

/** Our globs as SQLite GLOB patterns: a superset (`*` crosses `/` there), refined by `matches`. */
function sqliteGlob(glob: string): string {
  return glob.replace(/[[?]/g, (c) => `[${c}]`).replace(/\*\*/g, '*');
}

/** One page of index rows, newest first, before `before`. */
async function indexPage(
  db: D1Database,
  tenant: string,
  f: AuditFilter,
  before: Cursor | null,
): Promise<ChainedRecord[]> {
  const where = ['tenant = ?'];
  const args: (string | number)[] = [tenant];
  const add = (sql: string, ...values: (string | number)[]) => {
    where.push(sql);
    args.push(...values);
  };
  if (f.agent !== undefined) add('agent = ?', f.agent);
  if (f.decision !== undefined) add('decision = ?', f.decision);
  if (f.code !== undefined) add('code = ?', f.code);
  if (f.kind !== undefined) add('kind = ?', f.kind);
  if (f.from !== undefined) add('time >= ?', f.from);
  if (f.to !== undefined) add('time < ?', f.to);
  if (f.action !== undefined) add('action GLOB ?', sqliteGlob(f.action));
  if (f.rule !== undefined) add('EXISTS (SELECT 1 FROM json_each(audit_records.rules) WHERE value = ?)', f.rule);
  if (before) add('(time, agent, seq) < (?, ?, ?)', before.time, before.agent, before.seq);
  const { results } = await db
    .prepare(
      `SELECT hash, record FROM audit_records WHERE ${where.join(' AND ')} ORDER BY time DESC, agent DESC, seq DESC LIMIT ${PAGE}`,
    )
    .bind(...args)
    .all<{ hash: string; record: string }>();
  return results.map((r) => ({ hash: r.hash, record: JSON.parse(r.record) as AuditRecord }));
}

/** Agents' objects asked at once for their pending records. */
const TAILS_AT_ONCE = 50;

/**
 * The records still in the agents' objects that match, newest first: from every agent the
 * tenant knows has some, however long they have waited.
 */
async function pendingRecords(
  env: Env,
  tenant: string,
  filter: AuditFilter,
  start: Cursor | null,
): Promise<ChainedRecord[]> {
  const agents =
    filter.agent !== undefined
      ? [filter.agent]
      : (await callAgent(() => tenantStub(env, tenant).agentsWithPendingAudit())).map((a) => a.agent);
  const tails = [];
  for (let i = 0; i < agents.length; i += TAILS_AT_ONCE)
    tails.push(
      ...(await Promise.all(agents.slice(i, i + TAILS_AT_ONCE).map((agent) => auditTail(env, tenant, agent)))),
    );
  const pending = tails.flatMap((t) => t.pending).filter((p) => matches(p.record, filter, start));
  return pending.sort((a, b) => (after(a.record, b.record) ? -1 : 1));
}

/**
 * Every record that matches, newest first: the records still pending in the agents'
 * objects merged with the index, each record once.
 */
export async function* auditRecords(
  env: Env,
  tenant: string,
  filter: AuditFilter,
  start: Cursor | null,
): AsyncGenerator<ChainedRecord> {
  const pending = await pendingRecords(env, tenant, filter, start);
  let before = start;
  let page: ChainedRecord[] = [];
  let exhausted = false;
  const seen = new Set<string>();
  const dedupe = pending.length > 0;
  for (;;) {
    if (page.length === 0 && !exhausted) {
      const rows = await indexPage(env.AUDIT_DB, tenant, filter, before);
      exhausted = rows.length < PAGE;
      if (rows.length > 0) before = rows[rows.length - 1].record;
      page = rows.filter((r) => matches(r.record, filter, null));
      if (page.length === 0 && !exhausted) continue;
    }
    const next =
      pending.length > 0 && (page.length === 0 || after(pending[0].record, page[0].record))
        ? pending.shift()
        : page.shift();
    if (!next) return;
    if (dedupe) {
      const id = `${next.record.agent}\u0000${next.record.seq}`;
      if (seen.has(id)) continue; // a record in flight is both pending and indexed
      seen.add(id);
    }
    yield next;
  }
}
