/**
 * @module
 * `guard()`: wraps any async tool function so it runs only after Tollgate allows it. Each
 * call is decided first; a deny throws `ToolDeniedError` and the tool never runs; a
 * require_approval waits for a human (or throws, with `approval: 'throw'`); an allow runs the
 * tool with its ticket. With an executor client, the ticket is redeemed before the tool runs
 * and the outcome reported after it (`success`, `failure` when the tool says so, `exception`
 * when it throws), so the agent's trust and budget settle exactly.
 */
import type { JsonObject } from '../lib/json.js';
import { TollgateError } from '../lib/errors.js';
import type { DecisionRequest, EdgeDecision, OutcomeKind, TollgateClient } from './index.js';

/** What a guarded call is decided as, from its arguments. */
export interface GuardSpec<Args> {
  action: string;
  /** The resource, or how to name it from the arguments. */
  resource: string | ((args: Args) => string);
  /** The params the policy reads (default: the arguments themselves, when they are an object). */
  params?: (args: Args) => JsonObject;
  cost?: (args: Args) => DecisionRequest['cost'];
  /** The executor that redeems the ticket and reports the outcome; without one, the tool just gets its ticket. */
  executor?: TollgateClient;
  /** On require_approval: wait for a human (default, up to `approvalTimeoutMs`), or throw at once. */
  approval?: 'wait' | 'throw';
  approvalTimeoutMs?: number;
  /** Whether a result counts as a failure in the outcome (default: never). */
  failed?: (result: unknown) => boolean;
}

/** What a guarded tool is run with. */
export interface GuardContext {
  decision: EdgeDecision;
  /** The allow's ticket (or the approval's), for the executor. */
  ticket: string | null;
}

/** The call was not allowed: denied, or left waiting for a human. */
export class ToolDeniedError extends TollgateError<'tool_denied'> {
  constructor(
    message: string,
    readonly decision: EdgeDecision,
  ) {
    super('tool_denied', message);
    this.name = 'ToolDeniedError';
  }
}

const reasonOf = (d: EdgeDecision) => d.reasons.map((r) => r.message).join('; ') || d.code;

/**
 * A call decided but not yet run. Adapters decide in one framework hook (an approval check, a
 * guardrail) and run in another (the tool's execute), so `guard()` is these three steps.
 */
export interface DecidedCall {
  action: string;
  resource: string;
  params: JsonObject;
  decision: EdgeDecision;
}

/**
 * Step 1: asks Tollgate about a call. `idempotencyKey` makes a repeat ask (a framework that
 * resumes a run in another process) get the same decision, not a second one.
 */
export async function decideCall<Args>(
  client: TollgateClient,
  spec: GuardSpec<Args>,
  args: Args,
  idempotencyKey?: string,
): Promise<DecidedCall> {
  const resource = typeof spec.resource === 'function' ? spec.resource(args) : spec.resource;
  const params =
    spec.params?.(args) ??
    (args !== null && typeof args === 'object' && !Array.isArray(args) ? (args as JsonObject) : {});
  const decision = await client.decide({
    action: spec.action,
    resource,
    params,
    cost: spec.cost?.(args),
    ...(idempotencyKey === undefined ? {} : { idempotency_key: idempotencyKey }),
  });
  return { action: spec.action, resource, params, decision };
}

/** Why a decided call may not run yet (a deny, or an approval still open), or null when it may. */
export function refusalOf(call: DecidedCall): string | null {
  const { decision } = call;
  if (decision.decision === 'deny') return `${call.action} was denied: ${reasonOf(decision)}`;
  if (decision.decision === 'require_approval')
    return `${call.action} needs a human's approval (Tollgate approval ${decision.approval!.id}): ${reasonOf(decision)}`;
  return null;
}

/**
 * Step 2: the ticket the call runs with. An allow has it; a require_approval waits for the
 * human (or throws, with `approval: 'throw'`); a deny, or an approval not granted, throws
 * `ToolDeniedError`.
 */
export async function ticketFor<Args>(
  client: TollgateClient,
  spec: GuardSpec<Args>,
  call: DecidedCall,
): Promise<string | null> {
  const { decision } = call;
  if (decision.decision === 'allow') return decision.ticket ?? null;
  if (decision.decision === 'deny' || spec.approval === 'throw') throw new ToolDeniedError(refusalOf(call)!, decision);
  const approval = decision.approval!;
  const settled = await client.waitForApproval(approval.id, { timeoutMs: spec.approvalTimeoutMs });
  if (settled.decision !== 'allow')
    throw new ToolDeniedError(
      `${call.action} was not approved: approval ${approval.id} is ${settled.approval.status}${settled.reason ? ` (${settled.reason})` : ''}`,
      decision,
    );
  return settled.ticket ?? null;
}

/**
 * Step 3: runs the tool with its ticket. With an executor, the ticket is redeemed first and
 * the outcome reported after (`success`, `failure` when `spec.failed` says so, `exception`).
 */
export async function runWithTicket<Args, Result>(
  spec: GuardSpec<Args>,
  call: DecidedCall,
  ticket: string | null,
  tool: (args: Args, context: GuardContext) => Promise<Result>,
  args: Args,
): Promise<Result> {
  const executor = spec.executor;
  // The redemption names the agent and the decision the ticket stands for (an approval's, too).
  const redeemed =
    executor && ticket !== null
      ? await executor.redeem({ ticket, action: call.action, resource: call.resource, params: call.params })
      : null;
  const report = async (outcome: OutcomeKind) => {
    if (executor && redeemed)
      await executor.reportOutcome({ agent: redeemed.agent, decision: redeemed.decision, outcome });
  };
  let result: Result;
  try {
    result = await tool(args, { decision: call.decision, ticket });
  } catch (err) {
    await report('exception');
    throw err;
  }
  await report(spec.failed?.(result) ? 'failure' : 'success');
  return result;
}

/** `tool`, run only after `client` (the agent's) gets an allow for it. */
export function guard<Args, Result>(
  client: TollgateClient,
  spec: GuardSpec<Args>,
  tool: (args: Args, context: GuardContext) => Promise<Result>,
): (args: Args) => Promise<Result> {
  return async (args: Args) => {
    const call = await decideCall(client, spec, args);
    const ticket = await ticketFor(client, spec, call);
    return runWithTicket(spec, call, ticket, tool, args);
  };
}
