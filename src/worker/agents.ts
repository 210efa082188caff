/**
 * @module
 * Reaching an agent's Durable Object. Objects are named by the (tenant, agent) pair,
 * encoded so that no two pairs meet. A failure to reach the object (or an object that
 * could not load its policy) is a 503 with Retry-After: it never turns into an allow.
 */
import { ApiError } from './errors.js';
import type { Env } from './env.js';
import type { AgentState, ApprovalReply, AuditTail, DelegatedScope, EdgeDecision, OutcomeResult, Reporter, SettleResult } from './agent-state.js';
import type { EngineRequest, OutcomeReport } from '../engine/stateful-engine.js';
import type { Approval, ApprovalStatus } from './approvals/book.js';

/** The name of an agent's Durable Object: `["<tenant>","<agent id>"]`, never a bare `tenant:agent` join. */
export function agentObjectName(tenant: string, id: string): string {
  return JSON.stringify([tenant, id]);
}

export function agentStub(env: Env, tenant: string, id: string): DurableObjectStub<AgentState> {
  return env.AGENTS.get(env.AGENTS.idFromName(agentObjectName(tenant, id)));
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

/**
 * The object's verbs whose answers are unions or JSON records, typed by hand: RPC's
 * inferred types of those are too deep (or too widened) for the checker.
 */
export interface AgentCalls {
  decideBatch(requests: EngineRequest[], requestId?: string, scope?: DelegatedScope): Promise<EdgeDecision[]>;
  outcome(report: OutcomeReport, reporter: Reporter): Promise<OutcomeResult>;
  approval(id: string, caller: { kind: 'agent' | 'operator'; id: string }, waitMs?: number): Promise<ApprovalReply | null>;
  settleApproval(id: string, verdict: 'approved' | 'denied', operator: string, note: string | null): Promise<SettleResult>;
  listApprovals(status?: ApprovalStatus): Promise<Approval[]>;
  auditTail(): Promise<AuditTail>;
}

export function agentCalls(env: Env, tenant: string, id: string): AgentCalls {
  return agentStub(env, tenant, id) as unknown as AgentCalls;
}

/** The agent's audit tail. */
export async function auditTail(env: Env, tenant: string, id: string): Promise<AuditTail> {
  return callAgent(() => agentCalls(env, tenant, id).auditTail());
}
