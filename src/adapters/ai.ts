/**
 * @module
 * Tollgate for the Vercel AI SDK (`ai` v7): every tool of a tool set governed by `guard()`.
 *
 * ```ts
 * const governed = governTools(client, { getIssue, sendPayment }, {
 *   getIssue: { action: 'github.get_issue', resource: (i) => `github:${i.repo}` },
 *   sendPayment: { action: 'payments.send', resource: 'vendor', executor },
 * });
 * await generateText({ model, tools: governed.tools, toolApproval: governed.toolApproval, prompt });
 * ```
 *
 * `toolApproval` (the SDK's successor to a tool's `needsApproval`) asks Tollgate about each
 * tool call before the SDK runs it: an allow runs it, a deny is surfaced to the model as a
 * denied tool output and the tool never runs, and a require_approval becomes the SDK's
 * `user-approval` request, whose reason names the Tollgate approval to grant. Once the
 * human has granted it in Tollgate and the app answers the SDK's request, the tool runs with
 * the approval's ticket. Each tool's `execute` decides on its own when `toolApproval` isn't
 * wired, so no tool runs ungoverned. Decisions are keyed by the SDK's tool call id, so the
 * continuation call after an approval (even in another process) meets the same decision.
 */
import type { InferToolInput, Tool, ToolApprovalStatus, ToolSet, TypedToolCall } from 'ai';
import type { TollgateClient } from '../client/index.js';
import { decideCall, refusalOf, runWithTicket, ticketFor, type DecidedCall, type GuardSpec } from '../client/guard.js';

/** How each tool of the set is decided: every tool needs one. */
export type ToolSpecs<TOOLS extends ToolSet> = { [K in keyof TOOLS]: GuardSpec<InferToolInput<TOOLS[K]>> };

/** A `GenericToolApprovalFunction` for any tools context and runtime context. */
export type ToolApproval<TOOLS extends ToolSet> = (options: {
  toolCall: TypedToolCall<TOOLS>;
}) => Promise<ToolApprovalStatus>;

export interface GovernedTools<TOOLS extends ToolSet> {
  /** The same tools, each running only after Tollgate allows its call. */
  tools: TOOLS;
  /** Pass as `toolApproval` to `generateText`, `streamText` or `ToolLoopAgent` (it reads only the tool call). */
  toolApproval: ToolApproval<TOOLS>;
  /** The Tollgate approval a tool call waits on, if it waits on one. */
  approvalFor(toolCallId: string): string | undefined;
}

/** The idempotency key of a tool call's decision: one decision per SDK tool call. */
const keyOf = (toolCallId: string) => `ai-sdk:${toolCallId}`;

export function governTools<TOOLS extends ToolSet>(
  client: TollgateClient,
  tools: TOOLS,
  specs: ToolSpecs<TOOLS>,
): GovernedTools<TOOLS> {
  const decided = new Map<string, DecidedCall>();
  const specOf = (name: string): GuardSpec<unknown> => {
    const spec = (specs as Record<string, GuardSpec<unknown> | undefined>)[name];
    if (!spec) throw new TypeError(`tool '${name}' has no Tollgate spec: every governed tool needs one`);
    return spec;
  };
  const decide = async (name: string, input: unknown, toolCallId: string): Promise<DecidedCall> => {
    const known = decided.get(toolCallId);
    if (known) return known;
    const call = await decideCall(client, specOf(name), input, keyOf(toolCallId));
    decided.set(toolCallId, call);
    return call;
  };

  const toolApproval: ToolApproval<TOOLS> = async ({ toolCall }) => {
    const call = await decide(toolCall.toolName, toolCall.input, toolCall.toolCallId);
    const refusal = refusalOf(call);
    if (call.decision.decision === 'deny') return { type: 'denied', reason: refusal! } satisfies ToolApprovalStatus;
    if (call.decision.decision === 'require_approval') return { type: 'user-approval', reason: refusal! };
    return 'not-applicable';
  };

  const governed = Object.fromEntries(
    Object.entries(tools).map(([name, original]) => {
      const execute = original.execute;
      if (!execute) return [name, original];
      const wrapped: Tool = {
        ...original,
        execute: async (input: unknown, options) => {
          const spec = specOf(name);
          const call = await decide(name, input, options.toolCallId);
          const ticket = await ticketFor(client, spec, call);
          try {
            return await runWithTicket(spec, call, ticket, (args) => Promise.resolve(execute(args, options)), input);
          } finally {
            decided.delete(options.toolCallId);
          }
        },
      };
      return [name, wrapped];
    }),
  ) as TOOLS;

  return {
    tools: governed,
    toolApproval,
    approvalFor: (toolCallId) => decided.get(toolCallId)?.decision.approval?.id,
  };
}
