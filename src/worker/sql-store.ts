/**
 * @module
 * The Durable Object's `StateStore`: agent state as JSON in the object's SQLite storage,
 * with a write-through cache. SQLite storage is synchronous, which is what lets a decision
 * check and commit with no `await` in between.
 */
import type { AgentState } from '../engine/state/agent-state.js';
import type { StateStore } from '../engine/state/store.js';

export class SqlStateStore implements StateStore {
  private readonly cache = new Map<string, AgentState>();

  constructor(private readonly sql: SqlStorage) {
    sql.exec('CREATE TABLE IF NOT EXISTS agent_state (key TEXT PRIMARY KEY, state TEXT NOT NULL)');
  }

  get(key: string): AgentState | undefined {
    const cached = this.cache.get(key);
    if (cached) return cached;
    const row = this.sql.exec<{ state: string }>('SELECT state FROM agent_state WHERE key = ?', key).toArray()[0];
    if (!row) return undefined;
    const state = JSON.parse(row.state) as AgentState;
    this.cache.set(key, state);
    return state;
  }

  /** Forgets cached states (after a transaction that rolled back, the cache could be ahead of storage). */
  forget(): void {
    this.cache.clear();
  }

  put(key: string, state: AgentState): void {
    this.sql.exec('INSERT INTO agent_state (key, state) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET state = excluded.state', key, JSON.stringify(state));
    this.cache.set(key, state);
  }
}
