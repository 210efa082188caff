/**
 * @module
 * What the Worker and an agent's Durable Object say to each other: the types of the
 * `AgentObject` object's RPC arguments and answers, and the hand-typed view of its verbs
 * (`AgentCalls`) for those whose inferred RPC types are too deep for the checker.
 */
import type { Approval, ApprovalStatus } from './approvals/book.js';
import type { ApprovalReader, ApprovalReply, EdgeDecision, SettleResult } from './approvals/desk.js';
import type { AuditTail } from './audit/trail.js';
import type { AgentView } from '../engine/state/agent-view.js';
import type { EngineRequest, OutcomeReport } from '../engine/stateful-engine.js';
import type { DelegationLink } from '../tokens/delegation.js';

export type { ApprovalReply, AuditTail, EdgeDecision, SettleResult };

/** What bounds a delegated agent's decisions in its object: every link of its chain, and its trust ceiling. */
export interface DelegatedScope {
  links: DelegationLink[];
  trustCeiling: number | null;
  /** Why the chain's delegated budget refused this call (checked in the tenant's object), if it did. */
  budgetRefusal: string | null;
}

/** Who reports an outcome: an operator, or the executor that redeemed the decision's ticket. */
export type Reporter = { kind: 'operator' | 'executor'; id: string };

/** What an outcome report did: the agent's state after it, or why it was refused. */
export type OutcomeResult =
  { ok: true; state: AgentView } | { ok: false; code: 'forbidden' | 'conflict'; message: string };

/** The object's verbs whose answers are unions or JSON records, typed by hand. */
export interface AgentCalls {
  decideBatch(
    requests: EngineRequest[],
    requestId?: string,
    scope?: DelegatedScope,
    halted?: boolean,
  ): Promise<EdgeDecision[]>;
  outcome(report: OutcomeReport, reporter: Reporter): Promise<OutcomeResult>;
  approval(id: string, caller: ApprovalReader, waitMs?: number): Promise<ApprovalReply | null>;
  settleApproval(
    id: string,
    verdict: 'approved' | 'denied',
    operator: string,
    note: string | null,
  ): Promise<SettleResult>;
  listApprovals(status?: ApprovalStatus): Promise<Approval[]>;
  auditTail(): Promise<AuditTail>;
}
