/**
 * @module
 * The `TenantState` Durable Object, one per tenant: what spans the tenant's agents.
 * - Revoked delegations. A delegated agent's every call asks whether any link of its chain
 *   (a delegation's `jti`) or any agent in it was revoked, so revoking a parent cuts off
 *   all of its descendants at their next call.
 * - Which agents have audit records not yet flushed, so a tenant-wide audit search can
 *   include them the moment they are made.
 * Every method is synchronous over SQLite: a revocation is seen by the very next check.
 */
import { DurableObject } from 'cloudflare:workers';
import type { Env } from './env.js';

export class TenantState extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS revoked (key TEXT PRIMARY KEY, by TEXT NOT NULL, at INTEGER NOT NULL)');
    ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS pending_audit (agent TEXT PRIMARY KEY, since INTEGER NOT NULL)');
  }

  /** Revokes `key` (`jti:<id>` or `agent:<id>`); true if it was not revoked before. */
  revoke(key: string, by: string): boolean {
    const before = this.ctx.storage.sql.exec('SELECT 1 FROM revoked WHERE key = ?', key).toArray().length;
    this.ctx.storage.sql.exec('INSERT OR IGNORE INTO revoked (key, by, at) VALUES (?, ?, ?)', key, by, Date.now());
    return before === 0;
  }

  /** The first of `keys` that was revoked, or null. */
  firstRevoked(keys: string[]): string | null {
    for (const key of keys) if (this.ctx.storage.sql.exec('SELECT 1 FROM revoked WHERE key = ?', key).toArray().length > 0) return key;
    return null;
  }

  /** An agent has audit records waiting to be flushed (told once per flush cycle by its object). */
  auditPending(agent: string): void {
    this.ctx.storage.sql.exec('INSERT INTO pending_audit (agent, since) VALUES (?, ?) ON CONFLICT(agent) DO UPDATE SET since = excluded.since', agent, Date.now());
  }

  /** Agents that had records pending within the last `withinMs` (a flush empties an agent within seconds), newest first. */
  agentsWithPendingAudit(withinMs: number, limit: number): string[] {
    const since = Date.now() - withinMs;
    this.ctx.storage.sql.exec('DELETE FROM pending_audit WHERE since < ?', since);
    return this.ctx.storage.sql.exec<{ agent: string }>('SELECT agent FROM pending_audit ORDER BY since DESC LIMIT ?', limit).toArray().map((r) => r.agent);
  }
}

/** The keys a delegated agent's chain is revoked by: each link's jti, and each agent in it. */
export function chainKeys(delegation: { chain: string[]; links: { jti: string }[] }): string[] {
  return [...delegation.links.map((l) => `jti:${l.jti}`), ...delegation.chain.map((a) => `agent:${a}`)];
}

export function tenantState(env: Env, tenant: string): DurableObjectStub<TenantState> {
  return env.TENANTS.get(env.TENANTS.idFromName(tenant));
}
