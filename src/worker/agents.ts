/**
 * @module
 * Reaching an agent's Durable Object. Objects are named by the (tenant, agent) pair,
 * encoded so that no two pairs meet. A failure to reach the object (or an object that
 * could not load its policy) is a 503 with Retry-After: it never turns into an allow.
 */
import { sha256DigestOfText } from '../lib/digest.js';
import { ApiError } from './errors.js';
import type { Env } from './env.js';
import type { AgentObject } from './agent-object.js';
import type { AgentCalls, AuditTail } from './agent-rpc.js';

/**
 * The name of an agent's Durable Object: `["<tenant>","<agent id>"]`, never a bare
 * `tenant:agent` join; past 512 characters, the SHA-256 of that (which no JSON array looks like).
 */
export function agentObjectName(tenant: string, id: string): string {
  const name = JSON.stringify([tenant, id]);
  return name.length <= 512 ? name : sha256DigestOfText(name);
}

export function agentStub(env: Env, tenant: string, id: string): DurableObjectStub<AgentObject> {
  return env.AGENTS.get(env.AGENTS.idFromName(agentObjectName(tenant, id)));
}

/** Runs an RPC on the agent's object; any failure becomes `unavailable`. */
export async function callAgent<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw new ApiError('unavailable', `the agent's state is unavailable: ${(err as Error).message}`, {
      retryAfterSeconds: 1,
      cause: err,
    });
  }
}

/** The agent's object, with the verbs `AgentCalls` types by hand. */
export function agentCalls(env: Env, tenant: string, id: string): AgentCalls {
  return agentStub(env, tenant, id) as unknown as AgentCalls;
}

/** The agent's audit tail. */
export async function auditTail(env: Env, tenant: string, id: string): Promise<AuditTail> {
  return callAgent(() => agentCalls(env, tenant, id).auditTail());
}
