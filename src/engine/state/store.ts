/**
 * @module
 * Where agent state lives. The interface is synchronous on purpose: a decision reads,
 * checks and commits its state with no `await` in between, so concurrent decisions can
 * never both spend the same budget. Durable Objects' SQLite storage and memory both fit.
 */
import type { AgentState } from './agent-state.js';

export interface StateStore {
  /** The agent's state, or undefined when it has none yet. */
  get(agentKey: string): AgentState | undefined;
  put(agentKey: string, state: AgentState): void;
}

/** The default store: a Map, per engine. */
export class MemoryStore implements StateStore {
  private readonly agents = new Map<string, AgentState>();
  get(agentKey: string): AgentState | undefined {
    return this.agents.get(agentKey);
  }
  put(agentKey: string, state: AgentState): void {
    this.agents.set(agentKey, state);
  }
}
