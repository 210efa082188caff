/**
 * Reaching the agents' Durable Objects of tenant `acme` directly, as the edge tests do.
 */
import { env, runDurableObjectAlarm } from 'cloudflare:test';
import type { AuditTail } from '../../src/worker/agent-object.js';
import { agentObjectName } from '../../src/worker/agents.js';

export const stubOf = (agent: string, tenant = 'acme') =>
  env.AGENTS.get(env.AGENTS.idFromName(agentObjectName(tenant, agent)));

/** The agent's audit tail (typed by hand: RPC's inferred type of JSON records is too deep for the checker). */
export const tailOf = (agent: string, tenant = 'acme') =>
  (stubOf(agent, tenant) as unknown as { auditTail(): Promise<AuditTail> }).auditTail();

/** Runs the agent's alarms until nothing is left to do (a flush that keeps failing fails the test). */
export async function flushAll(agent: string): Promise<void> {
  for (let i = 0; await runDurableObjectAlarm(stubOf(agent)); i++)
    if (i > 20) throw new Error(`${agent}: the flush is still failing after 20 alarms`);
}
