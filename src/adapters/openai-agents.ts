/**
 * @module
 * Tollgate for the OpenAI Agents SDK for JS (`@openai/agents`): a function tool governed by
 * `guard()`, through the SDK's own approval and tool-guardrail hooks.
 *
 * ```ts
 * const pay = governedTool(client, { action: 'payments.send', resource: 'vendor', executor }, {
 *   name: 'send_payment', description: 'Pay a vendor', parameters: z.object({ amount_usd: z.number() }),
 *   execute: async ({ amount_usd }) => payments.send(amount_usd),
 * });
 * ```
 *
 * - `needsApproval` asks Tollgate about the call: a require_approval interrupts the run, as
 *   any approval does in the SDK (`result.interruptions`). The human grants the Tollgate
 *   approval; the app then approves the interruption and resumes the run.
 * - The tool input guardrail holds the decision: a deny (or an approval Tollgate did not
 *   grant) rejects the call with its reason, which the model sees, and the tool never runs.
 * - `execute` runs with the call's ticket; with an executor, the ticket is redeemed first and
 *   the outcome reported after.
 *
 * The three hooks share one decision per SDK call id (also its idempotency key), so a run
 * resumed from its serialized state, even in another process, meets the same decision.
 */
import {
  defineToolInputGuardrail,
  tool,
  ToolGuardrailFunctionOutputFactory,
  type FunctionTool,
  type RunContext,
  type ToolExecuteArgument,
  type ToolInputParameters,
} from '@openai/agents';
import type { TollgateClient } from '../client/index.js';
import {
  decideCall,
  runWithTicket,
  ticketFor,
  ToolDeniedError,
  type DecidedCall,
  type GuardSpec,
} from '../client/guard.js';

export interface GovernedToolOptions<TParameters extends ToolInputParameters, Result> {
  name: string;
  description: string;
  parameters: TParameters;
  execute: (input: ToolExecuteArgument<TParameters>, context?: RunContext) => Promise<Result>;
}

const keyOf = (callId: string) => `openai-agents:${callId}`;

/** A function tool that runs only after Tollgate allows each call. */
export function governedTool<TParameters extends ToolInputParameters, Result>(
  client: TollgateClient,
  spec: GuardSpec<ToolExecuteArgument<TParameters>>,
  options: GovernedToolOptions<TParameters, Result>,
): FunctionTool<unknown, TParameters, Result> {
  type Input = ToolExecuteArgument<TParameters>;
  const decided = new Map<string, DecidedCall>();
  const decide = async (input: Input, callId: string | undefined): Promise<DecidedCall> => {
    // The SDK names every model-made call; a direct invoke without an id decides on its own.
    if (callId === undefined) return decideCall(client, spec, input);
    const known = decided.get(callId);
    if (known) return known;
    const call = await decideCall(client, spec, input, keyOf(callId));
    decided.set(callId, call);
    return call;
  };
  // The ticket each call runs with, settled by the guardrail before execute sees it.
  const tickets = new Map<string, string | null>();

  const tollgateGuardrail = defineToolInputGuardrail({
    name: 'tollgate',
    run: async ({ toolCall }) => {
      const call = await decide(JSON.parse(toolCall.arguments) as Input, toolCall.callId);
      try {
        // The run reaches here past an approval only once the app approved the interruption; the
        // ticket then comes from the Tollgate approval (waited on, should the human not have decided yet).
        tickets.set(toolCall.callId, await ticketFor(client, spec, call));
        return ToolGuardrailFunctionOutputFactory.allow({ decision: call.decision.id });
      } catch (err) {
        if (!(err instanceof ToolDeniedError)) throw err;
        decided.delete(toolCall.callId);
        return ToolGuardrailFunctionOutputFactory.rejectContent(`Refused by Tollgate: ${err.message}`, {
          decision: call.decision.id,
        });
      }
    },
  });

  // tool()'s overloads infer their types from an options literal; these options are generic in
  // TParameters, so they are passed as the overloads' common shape and the result typed back.
  return tool({
    name: options.name,
    description: options.description,
    parameters: options.parameters,
    needsApproval: async (_context, input, callId) =>
      (await decide(input as Input, callId)).decision.decision === 'require_approval',
    inputGuardrails: [tollgateGuardrail],
    execute: async (input, context, details) => {
      const callId = details?.toolCall?.callId;
      const call = await decide(input as Input, callId);
      const ticket =
        callId !== undefined && tickets.has(callId) ? tickets.get(callId)! : await ticketFor(client, spec, call);
      try {
        return await runWithTicket(spec, call, ticket, (args) => options.execute(args, context), input as Input);
      } finally {
        if (callId !== undefined) {
          decided.delete(callId);
          tickets.delete(callId);
        }
      }
    },
  } as Parameters<typeof tool>[0]) as unknown as FunctionTool<unknown, TParameters, Result>;
}
