/**
 * @module
 * The governed decision pipeline, in the order every decision at the edge takes:
 *
 *   refuse? (outside a delegation) → engine.run (idempotency, policy, limits, state)
 *     → approval (require_approval waits for a human) → audit record → ticket plan
 *     → keep the reply for retries
 *
 * It is synchronous from start to end, so the caller runs it inside one storage
 * transaction and only then awaits crypto (the ticket's signature). The parts it calls
 * are passed in with each call; it returns what it did.
 */
import { describeVerdict, type Decision } from './describe.js';
import type { DecideScope, EngineRequest, StatefulEngine } from './stateful-engine.js';

/** The parts of the edge a decision passes through after the policy. */
export interface Governance<Reply extends Decision, Plan> {
  /** Why the request is refused before the policy is asked (outside its delegation), or null. */
  refusal(request: EngineRequest): string | null;
  /** The reply to a require_approval: the approval it waits for, or a deny past the pending cap. */
  awaitApproval(request: EngineRequest, decision: Decision): Reply;
  /** The reply with its audit record appended. */
  audited(request: EngineRequest, reply: Reply): Reply;
  /** The ticket an allow will be signed with, chosen (and audited) now. */
  planTicket(request: EngineRequest, reply: Reply): Plan | null;
}

/** What one governed decision did. `request` is as decided (its cost derived from params where the registry says so). */
export interface GovernedRun<Reply, Plan> {
  reply: Reply;
  replayed: boolean;
  plan: Plan | null;
  request: EngineRequest;
}

/**
 * Decides one request through every part. An idempotency key that came with another
 * request before is denied (code `idempotency_mismatch`) and audited; nothing else is committed.
 */
export function governedDecision<Reply extends Decision, Plan>(
  engine: StatefulEngine,
  parts: Governance<Reply, Plan>,
  request: EngineRequest,
  scope: DecideScope = {},
): GovernedRun<Reply, Plan> {
  const refusal = parts.refusal(request);
  if (refusal !== null) {
    const { info, hash } = engine.bundle;
    const denied = describeVerdict(
      {
        decision: 'deny',
        code: 'delegation',
        rules: [],
        held: [],
        detail: null,
        errors: [],
        redactions: [],
        shadow: null,
      },
      info,
      hash,
      request,
    );
    const reply = parts.audited(request, {
      ...denied,
      reasons: [{ rule: null, effect: 'deny', message: refusal }],
    } as Reply);
    return { reply, replayed: false, plan: null, request };
  }
  const run = engine.run(request, scope);
  if (run.kind === 'mismatch')
    return { reply: parts.audited(request, run.decision as Reply), replayed: false, plan: null, request };
  if (run.kind === 'replayed') return { reply: run.reply as Reply, replayed: true, plan: null, request };
  const pending =
    run.decision.decision === 'require_approval'
      ? parts.awaitApproval(run.request, run.decision)
      : (run.decision as Reply);
  const reply = parts.audited(run.request, pending);
  const plan = reply.decision === 'allow' ? parts.planTicket(run.request, reply) : null;
  engine.keep(run, reply);
  return { reply, replayed: false, plan, request: run.request };
}
