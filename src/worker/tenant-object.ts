/**
 * @module
 * The `TenantObject` Durable Object, one per tenant: what spans the tenant's agents.
 * - Revoked delegations. A delegated agent's every call asks whether any link of its chain
 *   (a delegation's `jti`) or any agent in it was revoked, so revoking a parent cuts off
 *   all of its descendants at their next call.
 * - Delegated budgets. A delegation link's daily budget bounds its whole subtree, so every
 *   decision below a budgeted link reserves its cost here, against every such link at once.
 * - Which agents have audit records not yet flushed, so a tenant-wide audit search can
 *   include them the moment they are made.
 * - The MCP tool definitions its operators pinned, and what the gateway last saw upstream.
 * - The tenant-wide halt: while it stands, every agent of the tenant is suspended.
 * - The console's one-time marks: sign-in links used, sessions signed out.
 * Every method is synchronous over SQLite: a revocation is seen by the very next check.
 */
import { DurableObject } from 'cloudflare:workers';
import type { Env } from './env.js';
import { MICROS_PER_USD, toUsd } from '../policy/money.js';
import type { ToolStanding } from '../mcp/serving.js';
import { PinBook, type Pin, type Sighting } from './mcp/pin-book.js';

/** Who halted the tenant, and when (epoch ms). */
export type TenantHalt = {
  by: string;
  at: number;
};

/** A tool of an MCP upstream, as a gateway `tools/call` names it. */
export interface ToolRef {
  upstream: string;
  tool: string;
}

/**
 * What an agent's call must know of its tenant: whether it was revoked, and whether the
 * tenant is halted; and for a gateway `tools/call`, its tool's standing, asked in the same
 * round trip.
 */
export interface AgentStanding {
  revoked: string | null;
  halt: TenantHalt | null;
  tool?: ToolStanding;
}

/** How long a one-time mark is kept: longer than any console session. */
const MARK_TTL_MS = 24 * 3_600_000;
/** How many revocation answers the object remembers before it starts over. */
const MAX_REMEMBERED_KEYS = 10_000;

export class TenantObject extends DurableObject<Env> {
  private readonly pinBook: PinBook;
  /**
   * Every agent call asks for its standing, so the answers are remembered: whether a key is
   * revoked, and the halt. This object is the only writer of both tables, and updates what it
   * remembers on each write, so a remembered answer is never stale.
   */
  private readonly revokedAnswers = new Map<string, boolean>();
  private haltStanding: TenantHalt | null | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.pinBook = new PinBook(ctx.storage.sql);
    ctx.storage.sql.exec(
      'CREATE TABLE IF NOT EXISTS revoked (key TEXT PRIMARY KEY, by TEXT NOT NULL, at INTEGER NOT NULL)',
    );
    ctx.storage.sql.exec(
      'CREATE TABLE IF NOT EXISTS agents_pending_audit (agent TEXT PRIMARY KEY, from_seq INTEGER NOT NULL, since INTEGER NOT NULL)',
    );
    // A link's spend in integer micro-dollars. (The table before, link_spend, kept float dollars; a day's worth is dropped.)
    ctx.storage.sql.exec('DROP TABLE IF EXISTS link_spend');
    ctx.storage.sql.exec(
      'CREATE TABLE IF NOT EXISTS halt (one INTEGER PRIMARY KEY CHECK (one = 1), by TEXT NOT NULL, at INTEGER NOT NULL)',
    );
    ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS marks (key TEXT PRIMARY KEY, at INTEGER NOT NULL)');
    ctx.storage.sql.exec(
      'CREATE TABLE IF NOT EXISTS link_spend_micros (jti TEXT NOT NULL, day TEXT NOT NULL, micros INTEGER NOT NULL, PRIMARY KEY (jti, day))',
    );
  }

  private linkSpent(jti: string, day: string): number {
    return (
      this.ctx.storage.sql
        .exec<{ micros: number }>('SELECT micros FROM link_spend_micros WHERE jti = ? AND day = ?', jti, day)
        .toArray()[0]?.micros ?? 0
    );
  }

  /**
   * Reserves `micros` (micro-dollars) against every budgeted link of a chain for the UTC
   * `day`, all or none: null when every link has room, otherwise why not. Synchronous, so
   * concurrent decisions anywhere in the subtree can never both take a link's last dollar.
   */
  reserveDelegated(
    links: { jti: string; agent: string; budget_usd: number }[],
    micros: number,
    day: string,
  ): string | null {
    this.ctx.storage.sql.exec('DELETE FROM link_spend_micros WHERE day < ?', day); // past days bound nothing any more
    for (const link of links) {
      const spent = this.linkSpent(link.jti, day);
      // A budget finer than a micro-dollar rounds down: never more than was given.
      if (spent + micros > Math.floor(link.budget_usd * MICROS_PER_USD)) {
        return `this request would exceed the delegated budget of ${link.budget_usd} USD per day given to '${link.agent}' (${toUsd(spent)} spent across its subtree today)`;
      }
    }
    for (const link of links) {
      this.ctx.storage.sql.exec(
        'INSERT INTO link_spend_micros (jti, day, micros) VALUES (?, ?, ?) ON CONFLICT(jti, day) DO UPDATE SET micros = micros + excluded.micros',
        link.jti,
        day,
        micros,
      );
    }
    return null;
  }

  /** Gives back a reservation (micro-dollars) whose decision did not allow. */
  releaseDelegated(links: { jti: string }[], micros: number, day: string): void {
    for (const link of links)
      this.ctx.storage.sql.exec(
        'UPDATE link_spend_micros SET micros = max(0, micros - ?) WHERE jti = ? AND day = ?',
        micros,
        link.jti,
        day,
      );
  }

  /** Revokes `key` (`jti:<id>` or `agent:<id>`); true if it was not revoked before. */
  revoke(key: string, by: string): boolean {
    const before = this.isRevoked(key);
    this.ctx.storage.sql.exec('INSERT OR IGNORE INTO revoked (key, by, at) VALUES (?, ?, ?)', key, by, Date.now());
    this.remember(key, true);
    return !before;
  }

  private isRevoked(key: string): boolean {
    const known = this.revokedAnswers.get(key);
    if (known !== undefined) return known;
    const revoked = this.ctx.storage.sql.exec('SELECT 1 FROM revoked WHERE key = ?', key).toArray().length > 0;
    this.remember(key, revoked);
    return revoked;
  }

  private remember(key: string, revoked: boolean): void {
    if (this.revokedAnswers.size >= MAX_REMEMBERED_KEYS) this.revokedAnswers.clear();
    this.revokedAnswers.set(key, revoked);
  }

  /** The first of `keys` that was revoked, or null. */
  firstRevoked(keys: string[]): string | null {
    return keys.find((key) => this.isRevoked(key)) ?? null;
  }

  /** What every agent call checks: the first of its revocation `keys` revoked, and the tenant's halt (and `tool`'s standing). */
  standing(keys: string[], tool?: ToolRef): AgentStanding {
    const standing: AgentStanding = { revoked: this.firstRevoked(keys), halt: this.halt() };
    if (tool !== undefined) standing.tool = this.pinBook.standing(tool.upstream, tool.tool);
    return standing;
  }

  /** The tenant-wide halt, if one stands. */
  halt(): TenantHalt | null {
    if (this.haltStanding === undefined)
      this.haltStanding = this.ctx.storage.sql.exec<TenantHalt>('SELECT by, at FROM halt').toArray()[0] ?? null;
    return this.haltStanding;
  }

  /** Halts every agent of the tenant (`halted`), or lifts the halt; `by` names the operator. */
  setHalt(halted: boolean, by: string): TenantHalt | null {
    if (!halted) this.ctx.storage.sql.exec('DELETE FROM halt');
    else this.ctx.storage.sql.exec('INSERT OR IGNORE INTO halt (one, by, at) VALUES (1, ?, ?)', by, Date.now());
    this.haltStanding = undefined;
    return this.halt();
  }

  /**
   * Marks `key` (a sign-in link's `jti`, a signed-out session): true the first time only.
   * Marks outlive what they stand for (links last minutes, sessions 8 hours), then go.
   */
  markOnce(key: string): boolean {
    const now = Date.now();
    this.ctx.storage.sql.exec('DELETE FROM marks WHERE at < ?', now - MARK_TTL_MS);
    return this.ctx.storage.sql.exec('INSERT OR IGNORE INTO marks (key, at) VALUES (?, ?)', key, now).rowsWritten > 0;
  }

  marked(key: string): boolean {
    return this.ctx.storage.sql.exec('SELECT 1 FROM marks WHERE key = ?', key).toArray().length > 0;
  }

  /** An agent has audit records waiting from `fromSeq` on (told when its first is written, and again on every failed flush). */
  auditPending(agent: string, fromSeq: number): void {
    this.ctx.storage.sql.exec(
      'INSERT INTO agents_pending_audit (agent, from_seq, since) VALUES (?, ?, ?) ON CONFLICT(agent) DO UPDATE SET from_seq = excluded.from_seq',
      agent,
      fromSeq,
      Date.now(),
    );
  }

  /** An agent's records through `throughSeq` reached R2 and D1 (a later announcement is kept). */
  auditFlushed(agent: string, throughSeq: number): void {
    this.ctx.storage.sql.exec('DELETE FROM agents_pending_audit WHERE agent = ? AND from_seq <= ?', agent, throughSeq);
  }

  /** The MCP pins, every upstream's or one's. */
  mcpPins(upstream?: string): Pin[] {
    return this.pinBook.pins(upstream);
  }

  /** Records what a listing of `upstream` saw; the tools whose sighting changed (to audit once). */
  observeMcpTools(upstream: string, sightings: Sighting[]): string[] {
    return this.pinBook.observe(upstream, sightings);
  }

  /** Whether a tool is approved, and seen upstream as approved. */
  mcpToolStanding(upstream: string, tool: string): ToolStanding {
    return this.pinBook.standing(upstream, tool);
  }

  approveMcpPin(pin: Omit<Pin, 'approvedAt'>): Pin {
    return this.pinBook.approve(pin);
  }

  removeMcpPin(upstream: string, tool: string): boolean {
    return this.pinBook.remove(upstream, tool);
  }

  /** Every agent with records not yet flushed, however long they have waited, oldest first. */
  agentsWithPendingAudit(): { agent: string; since: number }[] {
    return this.ctx.storage.sql
      .exec<{ agent: string; since: number }>('SELECT agent, since FROM agents_pending_audit ORDER BY since')
      .toArray();
  }
}

/** The keys an agent's token is revoked by: the agent itself and, for a delegated agent, each link's jti and each agent above it. */
export function revocationKeys(agent: {
  id: string;
  delegation?: { chain: string[]; links: { jti: string }[] };
}): string[] {
  const d = agent.delegation;
  return d
    ? [`agent:${agent.id}`, ...d.links.map((l) => `jti:${l.jti}`), ...d.chain.map((a) => `agent:${a}`)]
    : [`agent:${agent.id}`];
}

export function tenantStub(env: Env, tenant: string): DurableObjectStub<TenantObject> {
  return env.TENANTS.get(env.TENANTS.idFromName(tenant));
}

/** The tenant object's pin verbs, typed by hand (their inferred RPC types are too deep for the checker). */
export interface TenantPinCalls {
  mcpPins(upstream?: string): Promise<Pin[]>;
  observeMcpTools(upstream: string, sightings: Sighting[]): Promise<string[]>;
  mcpToolStanding(upstream: string, tool: string): Promise<ToolStanding>;
  approveMcpPin(pin: Omit<Pin, 'approvedAt'>): Promise<Pin>;
  removeMcpPin(upstream: string, tool: string): Promise<boolean>;
}

export function tenantPins(env: Env, tenant: string): TenantPinCalls {
  return tenantStub(env, tenant) as unknown as TenantPinCalls;
}
