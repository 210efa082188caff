/**
 * @module
 * Reaching an agent's Durable Object. A failure to reach it (or an object that could not
 * load its policy) is a 503 with Retry-After: it never turns into an allow.
 */
import { ApiError } from './errors.js';
import type { Env } from './env.js';
import type { AgentState, AuditTail } from './agent-state.js';

export function agentStub(env: Env, tenant: string, id: string): DurableObjectStub<AgentState> {
  return env.AGENTS.get(env.AGENTS.idFromName(`${tenant}:${id}`));
}

/** Runs an RPC on the agent's object; any failure becomes `unavailable`. */
export async function callAgent<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw new ApiError('unavailable', `the agent's state is unavailable: ${(err as Error).message}`, 1);
  }
}

/** The agent's audit tail. (Typed by hand: RPC's inferred type of JSON records is too deep for the checker.) */
export async function auditTail(env: Env, tenant: string, id: string): Promise<AuditTail> {
  const stub = agentStub(env, tenant, id) as unknown as { auditTail(): Promise<AuditTail> };
  return callAgent(() => stub.auditTail());
}
