/**
 * @module
 * The parts a decision passes through at the edge after the policy (see
 * `engine/pipeline.ts`): a delegated agent's chain and budget refusal, the approval desk,
 * the audit record, and the ticket plan, each committed in the caller's transaction.
 */
import type { AuditKind } from '../audit/chain.js';
import type { ValueDigester } from '../audit/digest.js';
import { decisionFields } from '../audit/record.js';
import type { Governance } from '../engine/pipeline.js';
import type { AgentName } from '../engine/stateful-engine.js';
import type { WasmEvaluator } from '../engine/wasm-evaluator.js';
import type { JsonValue } from '../lib/json.js';
import { outsideChain } from '../tokens/delegation.js';
import type { DelegatedScope, EdgeDecision } from './agent-rpc.js';
import type { ApprovalDesk } from './approvals/desk.js';
import type { Who } from './audit/trail.js';
import type { TicketIssuer, TicketPlan } from './tickets/issuer.js';

export const who = (agent: AgentName): Who => ({ tenant: agent.tenant ?? '', agent: agent.id });

/** What the edge's governance needs from its Durable Object. */
export interface EdgeParts {
  bundle: WasmEvaluator;
  desk: ApprovalDesk;
  tickets: TicketIssuer;
  record(agent: Who, kind: AuditKind, fields: { [key: string]: JsonValue }): { seq: number; hash: string };
  /** The tenant's keyed digest of what the audit may not keep as sent. */
  digester(tenant: string): ValueDigester;
}

/** The governance of one call: `requestId` names it in the audit, `scope` bounds a delegated agent. */
export function edgeGovernance(
  parts: EdgeParts,
  requestId: string | null,
  scope: DelegatedScope | undefined,
): Governance<EdgeDecision, TicketPlan> {
  const { info, hash } = parts.bundle;
  return {
    refusal: (request) =>
      scope ? (outsideChain(scope.links, request.action, request.resource) ?? scope.budgetRefusal) : null,
    awaitApproval: (request, decision) => parts.desk.ask(request, decision),
    audited: (request, reply) => {
      const digester = parts.digester(request.agent.tenant ?? '');
      const fields = decisionFields({
        request,
        decision: reply,
        info,
        requestId,
        approvalId: reply.approval?.id ?? null,
        digester,
      });
      return { ...reply, audit: parts.record(who(request.agent), 'decision', fields) };
    },
    planTicket: (request, reply) => {
      if (!parts.tickets.enabled) return null;
      const plan = parts.tickets.plan(request, reply.id, hash, Math.round(info.tickets.ttlMs / 1000));
      const { jti, action, resource, paramsHash } = plan.subject;
      parts.record(who(request.agent), 'ticket_issue', {
        jti,
        decision_id: reply.id,
        action,
        resource,
        params_hash: paramsHash,
        expires_at: plan.issuedAt + plan.ttlSeconds,
      });
      return plan;
    },
  };
}
