/**
 * @module
 * Where agent state lives. The interface is synchronous on purpose: a decision reads,
 * checks and commits its state with no `await` in between, so concurrent decisions can
 * never both spend the same budget. Durable Objects' SQLite storage and memory both fit.
 *
 * Three kinds of state, each in rows of its own so that none can grow into another:
 * - the agent's record (small, bounded by the policy's windows);
 * - open decisions: allowed, with their reservation, until their outcome settles them;
 * - idempotent replies, bounded in count and age.
 */
import type { AgentRecord } from './agent-record.js';

/** An allowed decision whose outcome has not been reported yet, with what it reserved. */
export interface OpenDecision {
  id: string;
  /** When it was allowed (epoch ms). */
  at: number;
  /** The reservation, in micro-dollars and tokens. */
  micros: number;
  tokens: number;
  /** The UTC day and month whose ledgers hold the reservation. */
  day: string;
  month: string;
  /** The rules whose own ledgers hold it too (besides the agent-wide ledgers). */
  rules: string[];
}

/** A reply kept for retries with the same idempotency key, bound to the request it answered. */
export interface KeptReply {
  requestHash: string;
  at: number;
  reply: unknown;
}

export interface StateStore {
  /** The agent's record, or undefined when it has none yet. */
  get(agentKey: string): AgentRecord | undefined;
  put(agentKey: string, record: AgentRecord): void;

  openDecision(agentKey: string, id: string): OpenDecision | undefined;
  putOpenDecision(agentKey: string, decision: OpenDecision): void;
  deleteOpenDecision(agentKey: string, id: string): void;
  /** Removes and returns the open decisions made before `before`, and all but the newest `keep`. */
  takeExpiredDecisions(agentKey: string, before: number, keep: number): OpenDecision[];

  reply(agentKey: string, idempotencyKey: string): KeptReply | undefined;
  putReply(agentKey: string, idempotencyKey: string, reply: KeptReply): void;
  /** Forgets the replies made before `before`, and all but the newest `keep`. */
  pruneReplies(agentKey: string, before: number, keep: number): void;
}

/** Drops a map's oldest entries (maps keep insertion order) made before `before` or beyond `keep`; returns them. */
function pruneOldest<T extends { at: number }>(map: Map<string, T>, before: number, keep: number): T[] {
  const dropped: T[] = [];
  let excess = map.size - keep;
  for (const [key, value] of map) {
    if (excess <= 0 && value.at >= before) break;
    map.delete(key);
    dropped.push(value);
    excess--;
  }
  return dropped;
}

interface MemoryAgent {
  record: AgentRecord | undefined;
  open: Map<string, OpenDecision>;
  replies: Map<string, KeptReply>;
}

/** The default store: Maps, per engine. */
export class MemoryStore implements StateStore {
  private readonly agents = new Map<string, MemoryAgent>();

  private agent(key: string): MemoryAgent {
    let agent = this.agents.get(key);
    if (!agent) this.agents.set(key, (agent = { record: undefined, open: new Map(), replies: new Map() }));
    return agent;
  }

  get(agentKey: string): AgentRecord | undefined {
    return this.agents.get(agentKey)?.record;
  }
  put(agentKey: string, record: AgentRecord): void {
    this.agent(agentKey).record = record;
  }

  openDecision(agentKey: string, id: string): OpenDecision | undefined {
    return this.agents.get(agentKey)?.open.get(id);
  }
  putOpenDecision(agentKey: string, decision: OpenDecision): void {
    this.agent(agentKey).open.set(decision.id, decision);
  }
  deleteOpenDecision(agentKey: string, id: string): void {
    this.agents.get(agentKey)?.open.delete(id);
  }
  takeExpiredDecisions(agentKey: string, before: number, keep: number): OpenDecision[] {
    const agent = this.agents.get(agentKey);
    return agent ? pruneOldest(agent.open, before, keep) : [];
  }

  reply(agentKey: string, idempotencyKey: string): KeptReply | undefined {
    return this.agents.get(agentKey)?.replies.get(idempotencyKey);
  }
  /** Every open decision of the agent, oldest first (for a store that saves them elsewhere too). */
  openDecisions(agentKey: string): OpenDecision[] {
    return [...(this.agents.get(agentKey)?.open.values() ?? [])];
  }
  /** Every kept reply of the agent by idempotency key, oldest first. */
  replies(agentKey: string): [string, KeptReply][] {
    return [...(this.agents.get(agentKey)?.replies ?? [])];
  }
  putReply(agentKey: string, idempotencyKey: string, reply: KeptReply): void {
    const { replies } = this.agent(agentKey);
    replies.delete(idempotencyKey); // re-inserted last: the map stays in age order
    replies.set(idempotencyKey, reply);
  }
  pruneReplies(agentKey: string, before: number, keep: number): void {
    const agent = this.agents.get(agentKey);
    if (agent) pruneOldest(agent.replies, before, keep);
  }
}
