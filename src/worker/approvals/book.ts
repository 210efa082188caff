/**
 * @module
 * Approvals, in the agent's Durable Object. A `require_approval` opens one, bound to its
 * decision and to the hash of the exact request; a human approves or denies it, or it
 * expires, and expiry means deny. An approved request's ticket must be claimed within the
 * policy's `claim_ttl`, or the approval expires too. Every method is synchronous, so a
 * decision and its approval commit together, and the cap on pending approvals holds under
 * any flood.
 */
import { fromBase64Url, toBase64Url, utf8 } from '../../lib/encoding.js';
import type { JsonValue } from '../../lib/json.js';
import type { EngineRequest } from '../../engine/stateful-engine.js';
import { requestHash } from '../../engine/request-hash.js';

export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'expired';

export interface Approval {
  id: string;
  status: ApprovalStatus;
  tenant: string;
  agent: string;
  /** The decision that asked for a human; its ticket, outcome and audit records name it. */
  decision: string;
  action: string;
  resource: string;
  /** The params, with DLP-flagged values masked: what the approver is shown. */
  params: { [key: string]: JsonValue };
  cost: { usd: number; tokens: number } | null;
  /** `sha256:<hex>` of the canonical request (action, resource, params, context, cost). */
  request_hash: string;
  /** The rules that asked for a human. */
  rules: string[];
  created_at: number;
  expires_at: number;
  decided_at: number | null;
  decided_by: string | null;
  note: string | null;
  /** Once approved: the ticket must be claimed by then. */
  claim_expires_at: number | null;
  /** When the agent claimed its ticket. */
  claimed_at: number | null;
}

/** Approval ids carry their agent (`apr_<random>_<agent, base64url>`), so any route can reach its Durable Object. */
export function newApprovalId(agent: string): string {
  return `apr_${crypto.randomUUID().replace(/-/g, '')}_${toBase64Url(utf8.encode(agent))}`;
}

/** The agent an approval id belongs to; null when the id is not one Tollgate made. */
export function approvalAgent(id: string): string | null {
  const m = /^apr_[0-9a-f]{32}_([A-Za-z0-9_-]+)$/.exec(id);
  if (!m) return null;
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(fromBase64Url(m[1]));
  } catch {
    return null;
  }
}

type Row = Record<string, SqlStorageValue> & {
  id: string;
  status: ApprovalStatus;
  tenant: string;
  agent: string;
  decision: string;
  action: string;
  resource: string;
  request: string;
  shown_params: string;
  cost: string;
  request_hash: string;
  rules: string;
  created_at: number;
  expires_at: number;
  decided_at: number | null;
  decided_by: string | null;
  note: string | null;
  claim_expires_at: number | null;
  claimed_at: number | null;
  indexed: number;
};

/** What opening an approval needs to know. */
export interface ApprovalAsk {
  who: { tenant: string; agent: string };
  decision: string;
  request: EngineRequest;
  /** The params as an operator may see them. */
  shownParams: { [key: string]: JsonValue };
  rules: string[];
  ttlMs: number;
}

export class ApprovalBook {
  constructor(
    private readonly sql: SqlStorage,
    private readonly clock: () => number = Date.now,
  ) {
    sql.exec(`CREATE TABLE IF NOT EXISTS approval_requests (id TEXT PRIMARY KEY, status TEXT NOT NULL, tenant TEXT NOT NULL, agent TEXT NOT NULL,
      decision TEXT NOT NULL, action TEXT NOT NULL, resource TEXT NOT NULL, request TEXT NOT NULL, shown_params TEXT NOT NULL, cost TEXT NOT NULL,
      request_hash TEXT NOT NULL, rules TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, decided_at INTEGER, decided_by TEXT,
      note TEXT, claim_expires_at INTEGER, claimed_at INTEGER, indexed INTEGER NOT NULL DEFAULT 0)`);
    sql.exec('CREATE INDEX IF NOT EXISTS approval_requests_open ON approval_requests (status, expires_at)');
  }

  private static view(row: Row): Approval {
    return {
      id: row.id,
      status: row.status,
      tenant: row.tenant,
      agent: row.agent,
      decision: row.decision,
      action: row.action,
      resource: row.resource,
      params: JSON.parse(row.shown_params),
      cost: JSON.parse(row.cost),
      request_hash: row.request_hash,
      rules: JSON.parse(row.rules) as string[],
      created_at: row.created_at,
      expires_at: row.expires_at,
      decided_at: row.decided_at,
      decided_by: row.decided_by,
      note: row.note,
      claim_expires_at: row.claim_expires_at,
      claimed_at: row.claimed_at,
    };
  }

  private rows(where: string, ...args: SqlStorageValue[]): Approval[] {
    return this.sql
      .exec<Row>(`SELECT * FROM approval_requests WHERE ${where}`, ...args)
      .toArray()
      .map(ApprovalBook.view);
  }

  get(id: string): Approval | null {
    return this.rows('id = ?', id)[0] ?? null;
  }

  /** The request an approval was opened for, as decided (what approval checks and its ticket binds). */
  request(id: string): EngineRequest | null {
    const row = this.sql
      .exec<{ request: string }>('SELECT request FROM approval_requests WHERE id = ?', id)
      .toArray()[0];
    return row ? (JSON.parse(row.request) as EngineRequest) : null;
  }

  /** Pending approvals not yet past their expiry. */
  pendingCount(): number {
    return this.sql
      .exec<{ n: number }>(
        "SELECT count(*) AS n FROM approval_requests WHERE status = 'pending' AND expires_at > ?",
        this.clock(),
      )
      .one().n;
  }

  /** A pending approval for exactly this request, if one is open: asking again never opens a second. */
  openFor(hash: string): Approval | null {
    return this.rows("request_hash = ? AND status = 'pending' AND expires_at > ?", hash, this.clock())[0] ?? null;
  }

  open(ask: ApprovalAsk): Approval {
    const now = this.clock();
    const { request } = ask;
    const cost = request.cost ? { usd: request.cost.usd ?? 0, tokens: request.cost.tokens ?? 0 } : null;
    const id = newApprovalId(ask.who.agent);
    this.sql.exec(
      `INSERT INTO approval_requests (id, status, tenant, agent, decision, action, resource, request, shown_params, cost, request_hash, rules, created_at, expires_at)
       VALUES (?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      id,
      ask.who.tenant,
      ask.who.agent,
      ask.decision,
      request.action,
      request.resource,
      JSON.stringify(request),
      JSON.stringify(ask.shownParams),
      JSON.stringify(cost),
      requestHash(request),
      JSON.stringify(ask.rules),
      now,
      now + ask.ttlMs,
    );
    return this.get(id)!;
  }

  /** Records a human's verdict on a pending approval; an approval starts its claim time. */
  settle(id: string, status: 'approved' | 'denied', by: string, note: string | null, claimTtlMs: number): Approval {
    const now = this.clock();
    const claimBy = status === 'approved' ? now + claimTtlMs : null;
    this.sql.exec(
      'UPDATE approval_requests SET status = ?, decided_at = ?, decided_by = ?, note = ?, claim_expires_at = ?, indexed = 0 WHERE id = ?',
      status,
      now,
      by,
      note,
      claimBy,
      id,
    );
    return this.get(id)!;
  }

  /** Marks an approved request's ticket as claimed. */
  claim(id: string): void {
    this.sql.exec('UPDATE approval_requests SET claimed_at = ? WHERE id = ? AND claimed_at IS NULL', this.clock(), id);
  }

  /** Expires what is due: pending approvals past their time, and approved ones never claimed in time. Returns them as they were. */
  expireDue(): Approval[] {
    const now = this.clock();
    const due = this.rows(
      "(status = 'pending' AND expires_at <= ?1) OR (status = 'approved' AND claimed_at IS NULL AND claim_expires_at <= ?1)",
      now,
    );
    for (const a of due)
      this.sql.exec(
        "UPDATE approval_requests SET status = 'expired', decided_at = ?, indexed = 0 WHERE id = ?",
        a.status === 'pending' ? a.expires_at : a.claim_expires_at,
        a.id,
      );
    return due;
  }

  /** When the next approval is due to expire, if any. */
  nextExpiry(): number | null {
    return this.sql
      .exec<{ at: number | null }>(
        "SELECT min(CASE WHEN status = 'pending' THEN expires_at ELSE claim_expires_at END) AS at FROM approval_requests WHERE status = 'pending' OR (status = 'approved' AND claimed_at IS NULL)",
      )
      .one().at;
  }

  /** Approvals opened or settled since the tenant index last copied them. */
  unindexed(): Approval[] {
    return this.rows('indexed = 0 LIMIT 500');
  }

  hasUnindexed(): boolean {
    return this.sql.exec('SELECT 1 FROM approval_requests WHERE indexed = 0 LIMIT 1').toArray().length > 0;
  }

  markIndexed(approvals: Approval[]): void {
    for (const a of approvals)
      this.sql.exec('UPDATE approval_requests SET indexed = 1 WHERE id = ? AND status = ?', a.id, a.status);
  }

  list(status?: ApprovalStatus): Approval[] {
    return status
      ? this.rows('status = ? ORDER BY created_at DESC LIMIT 500', status)
      : this.rows('TRUE ORDER BY created_at DESC LIMIT 500');
  }
}
