/**
 * @module
 * The Durable Object's `StateStore` over its SQLite storage. The agent's record is one
 * small JSON row with a write-through cache; open decisions and idempotent replies are
 * rows of their own, so neither can grow the record past SQLite's value limit. SQLite
 * storage is synchronous, which is what lets a decision check and commit with no `await`
 * in between.
 */
import type { AgentRecord } from '../engine/state/agent-record.js';
import type { KeptReply, OpenDecision, StateStore } from '../engine/state/store.js';

type OpenRow = { id: string; at: number; micros: number; tokens: number; day: string; month: string; rules: string };

const openDecision = (row: OpenRow): OpenDecision => ({ ...row, rules: JSON.parse(row.rules) as string[] });
const OPEN_COLUMNS = 'id, at, micros, tokens, day, month, rules';

export class SqlStateStore implements StateStore {
  private readonly cache = new Map<string, AgentRecord>();

  constructor(private readonly sql: SqlStorage) {
    sql.exec('CREATE TABLE IF NOT EXISTS agent_state (key TEXT PRIMARY KEY, state TEXT NOT NULL)');
    // Open decisions hold their reservation in micro-dollars and name the rule ledgers it is in.
    // (The table before that, open_decisions, held dollars and no rules; its rows are dropped.)
    sql.exec('DROP TABLE IF EXISTS open_decisions');
    sql.exec(`CREATE TABLE IF NOT EXISTS open_reservations (agent TEXT NOT NULL, id TEXT NOT NULL, at INTEGER NOT NULL, micros INTEGER NOT NULL,
      tokens REAL NOT NULL, day TEXT NOT NULL, month TEXT NOT NULL, rules TEXT NOT NULL, PRIMARY KEY (agent, id))`);
    sql.exec('CREATE INDEX IF NOT EXISTS open_reservations_age ON open_reservations (agent, at)');
    sql.exec(
      'CREATE TABLE IF NOT EXISTS replies (agent TEXT NOT NULL, key TEXT NOT NULL, request_hash TEXT NOT NULL, at INTEGER NOT NULL, reply TEXT NOT NULL, PRIMARY KEY (agent, key))',
    );
    sql.exec('CREATE INDEX IF NOT EXISTS replies_age ON replies (agent, at)');
  }

  get(key: string): AgentRecord | undefined {
    const cached = this.cache.get(key);
    if (cached) return cached;
    const row = this.sql.exec<{ state: string }>('SELECT state FROM agent_state WHERE key = ?', key).toArray()[0];
    if (!row) return undefined;
    const record = JSON.parse(row.state) as AgentRecord;
    this.cache.set(key, record);
    return record;
  }

  /** Forgets cached records (after a transaction that rolled back, the cache could be ahead of storage). */
  forget(): void {
    this.cache.clear();
  }

  put(key: string, record: AgentRecord): void {
    this.sql.exec(
      'INSERT INTO agent_state (key, state) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET state = excluded.state',
      key,
      JSON.stringify(record),
    );
    this.cache.set(key, record);
  }

  openDecision(agent: string, id: string): OpenDecision | undefined {
    const row = this.sql
      .exec<OpenRow>(`SELECT ${OPEN_COLUMNS} FROM open_reservations WHERE agent = ? AND id = ?`, agent, id)
      .toArray()[0];
    return row && openDecision(row);
  }

  putOpenDecision(agent: string, d: OpenDecision): void {
    this.sql.exec(
      `INSERT OR REPLACE INTO open_reservations (agent, ${OPEN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      agent,
      d.id,
      d.at,
      d.micros,
      d.tokens,
      d.day,
      d.month,
      JSON.stringify(d.rules),
    );
  }

  deleteOpenDecision(agent: string, id: string): void {
    this.sql.exec('DELETE FROM open_reservations WHERE agent = ? AND id = ?', agent, id);
  }

  takeExpiredDecisions(agent: string, before: number, keep: number): OpenDecision[] {
    const stale = this.sql
      .exec<OpenRow>(
        `SELECT ${OPEN_COLUMNS} FROM open_reservations WHERE agent = ?1 AND (at < ?2 OR id NOT IN
           (SELECT id FROM open_reservations WHERE agent = ?1 ORDER BY at DESC LIMIT ?3)) ORDER BY at`,
        agent,
        before,
        keep,
      )
      .toArray()
      .map(openDecision);
    for (const d of stale) this.deleteOpenDecision(agent, d.id);
    return stale;
  }

  reply(agent: string, idempotencyKey: string): KeptReply | undefined {
    const row = this.sql
      .exec<{ request_hash: string; at: number; reply: string }>(
        'SELECT request_hash, at, reply FROM replies WHERE agent = ? AND key = ?',
        agent,
        idempotencyKey,
      )
      .toArray()[0];
    return row ? { requestHash: row.request_hash, at: row.at, reply: JSON.parse(row.reply) } : undefined;
  }

  putReply(agent: string, idempotencyKey: string, kept: KeptReply): void {
    this.sql.exec(
      'INSERT OR REPLACE INTO replies (agent, key, request_hash, at, reply) VALUES (?, ?, ?, ?, ?)',
      agent,
      idempotencyKey,
      kept.requestHash,
      kept.at,
      JSON.stringify(kept.reply),
    );
  }

  pruneReplies(agent: string, before: number, keep: number): void {
    this.sql.exec(
      'DELETE FROM replies WHERE agent = ?1 AND (at < ?2 OR key NOT IN (SELECT key FROM replies WHERE agent = ?1 ORDER BY at DESC LIMIT ?3))',
      agent,
      before,
      keep,
    );
  }
}
