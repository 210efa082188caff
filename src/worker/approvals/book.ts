/**
 * @module
 * Pending approvals, in the agent's Durable Object. A `require_approval` opens one, bound
 * to the hash of the exact request; a human approves or denies it, or it expires, and
 * expiry means deny. Every method is synchronous, so a decision and its approval commit
 * together, and the cap on pending approvals holds under any flood.
 */
import { sha256Hex } from '../../policy/bundle/sha256.js';
import type { JsonValue } from '../../policy/decision.js';
import type { EngineRequest } from '../../engine/stateful-engine.js';
import { canonicalJson } from '../../tokens/canonical.js';

export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'expired';

export interface Approval {
  id: string;
  status: ApprovalStatus;
  tenant: string;
  agent: string;
  action: string;
  resource: string;
  /** `sha256:<hex>` of the canonical request (action, resource, params, context, cost). */
  request_hash: string;
  /** The rules that asked for a human. */
  rules: string[];
  created_at: number;
  expires_at: number;
  decided_at: number | null;
  decided_by: string | null;
  note: string | null;
}

/** Approval ids carry their agent (`apr_<random>_<agent, base64url>`), so any route can reach its Durable Object. */
export function newApprovalId(agent: string): string {
  const encoded = btoa(String.fromCharCode(...new TextEncoder().encode(agent))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  return `apr_${crypto.randomUUID().replace(/-/g, '')}_${encoded}`;
}

/** The agent an approval id belongs to; null when the id is not one Tollgate made. */
export function approvalAgent(id: string): string | null {
  const m = /^apr_[0-9a-f]{32}_([A-Za-z0-9_-]+)$/.exec(id);
  if (!m) return null;
  try {
    const binary = atob(m[1].replace(/-/g, '+').replace(/_/g, '/'));
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
  } catch {
    return null;
  }
}

/** What an approval is bound to: the exact request, whatever order its keys came in. */
export function requestHash(request: EngineRequest): string {
  const bound = { action: request.action, resource: request.resource, params: request.params ?? {}, context: request.context ?? {}, cost: request.cost ?? null };
  return `sha256:${sha256Hex(new TextEncoder().encode(canonicalJson(bound as JsonValue)))}`;
}

type Row = Omit<Approval, 'rules'> & { rules: string; params: string; indexed: number };

export class ApprovalBook {
  constructor(
    private readonly sql: SqlStorage,
    private readonly clock: () => number = Date.now,
  ) {
    sql.exec(`CREATE TABLE IF NOT EXISTS approvals (id TEXT PRIMARY KEY, status TEXT NOT NULL, tenant TEXT NOT NULL, agent TEXT NOT NULL,
      action TEXT NOT NULL, resource TEXT NOT NULL, request_hash TEXT NOT NULL, params TEXT NOT NULL, rules TEXT NOT NULL,
      created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, decided_at INTEGER, decided_by TEXT, note TEXT, indexed INTEGER NOT NULL DEFAULT 0)`);
    sql.exec('CREATE INDEX IF NOT EXISTS approvals_pending ON approvals (status, expires_at)');
  }

  private static view(row: Row): Approval {
    const { params: _params, indexed: _indexed, ...rest } = row;
    return { ...rest, rules: JSON.parse(row.rules) as string[] };
  }

  get(id: string): Approval | null {
    const row = this.sql.exec<Row & Record<string, SqlStorageValue>>('SELECT * FROM approvals WHERE id = ?', id).toArray()[0];
    return row ? ApprovalBook.view(row) : null;
  }

  /** The params an approval was opened for (what its ticket will bind). */
  params(id: string): { [key: string]: JsonValue } {
    const row = this.sql.exec<{ params: string }>('SELECT params FROM approvals WHERE id = ?', id).toArray()[0];
    return row ? (JSON.parse(row.params) as { [key: string]: JsonValue }) : {};
  }

  /** Pending approvals not yet past their expiry. */
  pendingCount(): number {
    return this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM approvals WHERE status = 'pending' AND expires_at > ?", this.clock()).one().n;
  }

  /** A pending approval for exactly this request, if one is open: asking again never opens a second. */
  openFor(hash: string): Approval | null {
    const row = this.sql.exec<Row & Record<string, SqlStorageValue>>("SELECT * FROM approvals WHERE request_hash = ? AND status = 'pending' AND expires_at > ?", hash, this.clock()).toArray()[0];
    return row ? ApprovalBook.view(row) : null;
  }

  open(who: { tenant: string; agent: string }, request: EngineRequest, rules: string[], ttlMs: number): Approval {
    const now = this.clock();
    const approval: Approval = {
      id: newApprovalId(who.agent),
      status: 'pending',
      ...who,
      action: request.action,
      resource: request.resource,
      request_hash: requestHash(request),
      rules,
      created_at: now,
      expires_at: now + ttlMs,
      decided_at: null,
      decided_by: null,
      note: null,
    };
    this.sql.exec(
      'INSERT INTO approvals (id, status, tenant, agent, action, resource, request_hash, params, rules, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      approval.id, approval.status, approval.tenant, approval.agent, approval.action, approval.resource, approval.request_hash,
      JSON.stringify(request.params ?? {}), JSON.stringify(rules), approval.created_at, approval.expires_at,
    );
    return approval;
  }

  /** Records a human's verdict on a pending approval. */
  settle(id: string, status: 'approved' | 'denied', by: string, note: string | null): Approval {
    this.sql.exec('UPDATE approvals SET status = ?, decided_at = ?, decided_by = ?, note = ?, indexed = 0 WHERE id = ?', status, this.clock(), by, note, id);
    return this.get(id)!;
  }

  /** Marks every pending approval past its expiry as expired; returns them. */
  expireDue(): Approval[] {
    const now = this.clock();
    const due = this.sql.exec<Row & Record<string, SqlStorageValue>>("SELECT * FROM approvals WHERE status = 'pending' AND expires_at <= ?", now).toArray();
    if (due.length > 0) this.sql.exec("UPDATE approvals SET status = 'expired', decided_at = expires_at, indexed = 0 WHERE status = 'pending' AND expires_at <= ?", now);
    return due.map((r) => ({ ...ApprovalBook.view(r), status: 'expired' as const, decided_at: r.expires_at }));
  }

  /** When the next pending approval expires, if any is pending. */
  nextExpiry(): number | null {
    return this.sql.exec<{ at: number | null }>("SELECT min(expires_at) AS at FROM approvals WHERE status = 'pending'").one().at;
  }

  /** Approvals opened or settled since the tenant index last copied them. */
  unindexed(): Approval[] {
    return this.sql.exec<Row & Record<string, SqlStorageValue>>('SELECT * FROM approvals WHERE indexed = 0 LIMIT 500').toArray().map(ApprovalBook.view);
  }

  hasUnindexed(): boolean {
    return this.sql.exec('SELECT 1 FROM approvals WHERE indexed = 0 LIMIT 1').toArray().length > 0;
  }

  markIndexed(approvals: Approval[]): void {
    for (const a of approvals) this.sql.exec('UPDATE approvals SET indexed = 1 WHERE id = ? AND status = ?', a.id, a.status);
  }

  list(status?: ApprovalStatus): Approval[] {
    const rows = status
      ? this.sql.exec<Row & Record<string, SqlStorageValue>>('SELECT * FROM approvals WHERE status = ? ORDER BY created_at DESC LIMIT 500', status).toArray()
      : this.sql.exec<Row & Record<string, SqlStorageValue>>('SELECT * FROM approvals ORDER BY created_at DESC LIMIT 500').toArray();
    return rows.map(ApprovalBook.view);
  }
}
