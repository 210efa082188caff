/**
 * @module
 * Whether a tool is served to an agent: one predicate for `tools/list` and `tools/call`, so
 * the list and the call always agree. A tool is served when the upstream's allowlist names
 * it, its definition as last seen upstream is the one an operator pinned (and its name
 * shadows no other), and the policy does not deny every call to it by this agent. A call of
 * a tool not served is "unknown tool", whatever the reason, so nothing leaks.
 */
import { globMatch } from '../policy/glob.js';
import type { McpUpstream } from '../policy/model.js';
import type { PinState } from './pins.js';
import { mayCall, toolAction, toolResource, type ToolCaller, type ToolTargets } from './visibility.js';

/** A tool's standing: the hash an operator pinned, and what the gateway last saw upstream. */
export interface ToolStanding {
  approvedHash: string | null;
  seenHash: string | null;
  seenState: PinState | null;
}

/** Whether the upstream's allowlist (none: every tool) names the tool. */
export const allowlisted = (upstream: Pick<McpUpstream, 'tools'>, tool: string) =>
  upstream.tools === null || upstream.tools.some((g) => globMatch(g, tool));

/** Whether `tool` is served to `caller` (no targets: a bundle without MCP upstreams serves nothing). */
export function isServedTool(
  upstream: Pick<McpUpstream, 'name' | 'tools'>,
  targets: ToolTargets | null,
  caller: ToolCaller,
  tool: string,
  standing: ToolStanding,
): boolean {
  const pinnedAsSeen =
    standing.approvedHash !== null && standing.seenHash === standing.approvedHash && standing.seenState !== 'shadowing';
  return (
    pinnedAsSeen &&
    allowlisted(upstream, tool) &&
    targets !== null &&
    mayCall(targets, caller, toolAction(upstream.name, tool), toolResource(upstream.name, tool))
  );
}

/** The standing a listing gives a tool: seen as it is now, against its pin. */
export function standingInListing(s: { hash: string; state: PinState }, pinnedHash: string | null): ToolStanding {
  return { approvedHash: pinnedHash, seenHash: s.hash, seenState: s.state };
}
