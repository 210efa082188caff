/**
 * @module
 * Revoked delegations, one Durable Object per tenant. A delegated agent's every call asks
 * it whether any link of its chain (a delegation's `jti`) or any agent in it was revoked,
 * so revoking a parent cuts off all of its descendants at their next call. Both methods
 * are synchronous over SQLite: a revocation is seen by the very next check.
 */
import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env.js';

export class Revocations extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS revoked (key TEXT PRIMARY KEY, by TEXT NOT NULL, at INTEGER NOT NULL)');
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
}

/** The keys a delegated agent's chain is revoked by: each link's jti, and each agent in it. */
export function chainKeys(delegation: { chain: string[]; links: { jti: string }[] }): string[] {
  return [...delegation.links.map((l) => `jti:${l.jti}`), ...delegation.chain.map((a) => `agent:${a}`)];
}

export function revocations(env: Env, tenant: string): DurableObjectStub<Revocations> {
  return env.REVOCATIONS.get(env.REVOCATIONS.idFromName(tenant));
}
