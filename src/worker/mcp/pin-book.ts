/**
 * @module
 * A tenant's pinned MCP tool definitions, kept in its `TenantObject` (SQLite). For each
 * upstream tool: the definition an operator approved (its hash, the definition itself for
 * later diffs, who approved it and when), and the definition the gateway last saw upstream
 * (its hash and state). A tool is served only while what is seen is what was approved.
 */
import type { JsonObject } from '../../lib/json.js';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { pinStates, type PinState } from '../../mcp/pins.js';
import type { ToolStanding } from '../../mcp/serving.js';

/** What an operator approved. */
export interface Pin {
  upstream: string;
  tool: string;
  hash: string;
  definition: JsonObject;
  approvedBy: string;
  approvedAt: string;
  note: string | null;
}

/** What the gateway saw of one tool, the last time it listed the upstream. */
export interface Sighting {
  tool: string;
  hash: string;
  state: PinState;
}

type PinRow = {
  upstream: string;
  tool: string;
  hash: string;
  definition: string;
  approved_by: string;
  approved_at: number;
  note: string | null;
};

const asPin = (row: PinRow): Pin => ({
  upstream: row.upstream,
  tool: row.tool,
  hash: row.hash,
  definition: JSON.parse(row.definition) as JsonObject,
  approvedBy: row.approved_by,
  approvedAt: new Date(row.approved_at).toISOString(),
  note: row.note,
});

export class PinBook {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(
      'CREATE TABLE IF NOT EXISTS mcp_pins (upstream TEXT NOT NULL, tool TEXT NOT NULL, hash TEXT NOT NULL, definition TEXT NOT NULL, approved_by TEXT NOT NULL, approved_at INTEGER NOT NULL, note TEXT, PRIMARY KEY (upstream, tool))',
    );
    sql.exec(
      'CREATE TABLE IF NOT EXISTS mcp_seen (upstream TEXT NOT NULL, tool TEXT NOT NULL, hash TEXT NOT NULL, state TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (upstream, tool))',
    );
  }

  /** Every pin, or one upstream's. */
  pins(upstream?: string): Pin[] {
    const rows =
      upstream === undefined
        ? this.sql.exec<PinRow>('SELECT * FROM mcp_pins ORDER BY upstream, tool')
        : this.sql.exec<PinRow>('SELECT * FROM mcp_pins WHERE upstream = ? ORDER BY tool', upstream);
    return rows.toArray().map(asPin);
  }

  /**
   * Records what a listing saw; returns the tools whose (hash, state) was not what was seen
   * before, so each change is audited once, not at every listing.
   */
  observe(upstream: string, sightings: Sighting[]): string[] {
    const changed: string[] = [];
    const now = Date.now();
    for (const s of sightings) {
      const before = this.sql
        .exec<{ hash: string; state: string }>(
          'SELECT hash, state FROM mcp_seen WHERE upstream = ? AND tool = ?',
          upstream,
          s.tool,
        )
        .toArray()[0];
      if (before?.hash === s.hash && before.state === s.state) continue;
      changed.push(s.tool);
      this.sql.exec(
        'INSERT INTO mcp_seen (upstream, tool, hash, state, at) VALUES (?, ?, ?, ?, ?) ON CONFLICT(upstream, tool) DO UPDATE SET hash = excluded.hash, state = excluded.state, at = excluded.at',
        upstream,
        s.tool,
        s.hash,
        s.state,
        now,
      );
    }
    return changed;
  }

  /** A tool's standing for a call. */
  standing(upstream: string, tool: string): ToolStanding {
    const pin = this.sql
      .exec<{ hash: string }>('SELECT hash FROM mcp_pins WHERE upstream = ? AND tool = ?', upstream, tool)
      .toArray()[0];
    const seen = this.sql
      .exec<{ hash: string; state: PinState }>(
        'SELECT hash, state FROM mcp_seen WHERE upstream = ? AND tool = ?',
        upstream,
        tool,
      )
      .toArray()[0];
    return { approvedHash: pin?.hash ?? null, seenHash: seen?.hash ?? null, seenState: seen?.state ?? null };
  }

  /** Pins a definition (replacing an earlier pin of the tool). */
  approve(pin: Omit<Pin, 'approvedAt'>): Pin {
    const at = Date.now();
    this.sql.exec(
      'INSERT INTO mcp_pins (upstream, tool, hash, definition, approved_by, approved_at, note) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(upstream, tool) DO UPDATE SET hash = excluded.hash, definition = excluded.definition, approved_by = excluded.approved_by, approved_at = excluded.approved_at, note = excluded.note',
      pin.upstream,
      pin.tool,
      pin.hash,
      JSON.stringify(pin.definition),
      pin.approvedBy,
      at,
      pin.note,
    );
    return { ...pin, approvedAt: new Date(at).toISOString() };
  }

  /** Removes a pin: the tool is hidden again. True if there was one. */
  remove(upstream: string, tool: string): boolean {
    const before = this.sql
      .exec('SELECT 1 FROM mcp_pins WHERE upstream = ? AND tool = ?', upstream, tool)
      .toArray().length;
    this.sql.exec('DELETE FROM mcp_pins WHERE upstream = ? AND tool = ?', upstream, tool);
    return before > 0;
  }
}

/**
 * An upstream's tools against the tenant's pins: each tool's state, the upstream's own pins by
 * tool, and the tools pinned on other upstreams (whose names a tool here may shadow, and whose
 * references the description scan looks for).
 */
export function pinsAgainst(upstream: string, tools: readonly Tool[], pins: readonly Pin[]) {
  const own = new Map(pins.filter((p) => p.upstream === upstream).map((p) => [p.tool, p]));
  const elsewhere = pins.filter((p) => p.upstream !== upstream).map((p) => ({ server: p.upstream, tool: p.tool }));
  const states = pinStates(
    tools,
    new Map([...own].map(([tool, pin]) => [tool, pin.hash])),
    elsewhere.map((p) => p.tool),
  );
  return { states, own, elsewhere };
}
