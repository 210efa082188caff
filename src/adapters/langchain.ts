/**
 * @module
 * Tollgate for LangChain.js (`@langchain/core` tools): a tool governed by `guard()`.
 *
 * ```ts
 * const search = governTool(client, { action: 'github.search_issues', resource: 'github:acme/api' },
 *   tool(async ({ query }) => searchIssues(query), { name: 'search_issues', description, schema }));
 * ```
 *
 * The governed tool has the original's name, description and schema, so a model binds it
 * and an agent loop calls it as before. Each call is decided first: an allow runs the
 * original with the call's ticket (redeemed, and its outcome reported, when the spec names
 * an executor); a require_approval waits for the human to decide in Tollgate (LangChain's
 * core has no approval step of its own); a deny never runs the original. By default a
 * refusal throws `ToolDeniedError`, as any failing tool does (a LangGraph `ToolNode` hands
 * it to the model); `onRefusal: 'tell-model'` returns it as the tool's answer instead.
 */
import { tool, type StructuredToolInterface } from '@langchain/core/tools';
import type { TollgateClient } from '../client/index.js';
import { guard, ToolDeniedError, type GuardSpec } from '../client/guard.js';

export interface LangChainSpec<Args> extends GuardSpec<Args> {
  /** What a refused call gives the agent: a thrown `ToolDeniedError` (default), or its message as the answer. */
  onRefusal?: 'throw' | 'tell-model';
}

/** `original`, run only after Tollgate allows each call. */
export function governTool<Args>(
  client: TollgateClient,
  spec: LangChainSpec<Args>,
  original: StructuredToolInterface,
): StructuredToolInterface {
  const run = guard(client, spec, (args: Args) => original.invoke(args) as Promise<unknown>);
  return tool(
    async (args: Args) => {
      try {
        return await run(args);
      } catch (err) {
        if (err instanceof ToolDeniedError && spec.onRefusal === 'tell-model')
          return `Refused by Tollgate: ${err.message}`;
        throw err;
      }
    },
    { name: original.name, description: original.description, schema: original.schema },
  ) as StructuredToolInterface;
}
