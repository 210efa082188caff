/**
 * @module
 * Which of an upstream's tools an agent is shown, and may call, at the edge: `tools/list`
 * and `tools/call` both ask `isServedTool` (src/mcp/serving.ts), the listing with what it
 * sees now, the call with what the tenant's object recorded of the last listing.
 */
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { createMiddleware } from 'hono/factory';
import type { JsonValue } from '../../lib/json.js';
import { definitionDiff } from '../../mcp/pins.js';
import { scanTool } from '../../mcp/scan.js';
import { isServedTool, standingInListing } from '../../mcp/serving.js';
import type { McpUpstream } from '../../policy/model.js';
import { agentStub, callAgent } from '../agents.js';
import type { AppContext, AppEnv } from '../env.js';
import { policyInfo } from '../policy-source.js';
import type { AgentPrincipal } from '../principal.js';
import { tenantPins } from '../tenant-object.js';
import { pinsAgainst } from './pin-book.js';

/** The longest text of a changed definition part kept in the audit record. */
const MAX_AUDITED_TEXT = 2000;

const clip = (value: JsonValue): JsonValue => {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length <= MAX_AUDITED_TEXT ? value : `${text.slice(0, MAX_AUDITED_TEXT)}… (${text.length} characters)`;
};

/**
 * The tools of one `tools/list` page the agent is shown. Every tool's pin state is recorded
 * in the tenant's object; a tool newly held back (new, changed or shadowing) is audited once
 * in the agent's chain, with its diff against the pinned definition and the description scan.
 */
export async function servedTools(
  c: AppContext,
  agent: AgentPrincipal,
  upstream: McpUpstream,
  tools: Tool[],
): Promise<Tool[]> {
  const tenant = tenantPins(c.env, agent.tenant);
  const pins = await callAgent(() => tenant.mcpPins());
  const { states, own, elsewhere } = pinsAgainst(upstream.name, tools, pins);
  const changed = new Set(
    await callAgent(() =>
      tenant.observeMcpTools(
        upstream.name,
        states.map((s) => ({ tool: s.tool.name, hash: s.hash, state: s.state })),
      ),
    ),
  );
  const held = states.filter((s) => s.state !== 'pinned' && changed.has(s.tool.name));
  if (held.length > 0) {
    const object = agentStub(c.env, agent.tenant, agent.id);
    for (const s of held)
      await callAgent(() =>
        object.recordForwarded({ tenant: agent.tenant, id: agent.id }, 'tool_held', {
          upstream: upstream.name,
          tool: s.tool.name,
          state: s.state,
          hash: s.hash,
          pinned_hash: own.get(s.tool.name)?.hash ?? null,
          changes: definitionDiff(own.get(s.tool.name)?.definition ?? null, s.tool).map((d) => ({
            field: d.field,
            before: clip(d.before),
            after: clip(d.after),
          })),
          findings: scanTool(s.tool, elsewhere).map((f) => ({ ...f }) as { [key: string]: JsonValue }),
        }),
      );
  }
  return states
    .filter((s) =>
      isServedTool(
        upstream,
        policyInfo.toolTargets,
        agent,
        s.tool.name,
        standingInListing(s, own.get(s.tool.name)?.hash ?? null),
      ),
    )
    .map((s) => s.tool);
}

/** The longest tool name asked about before authentication (MCP's own limit is 128). */
const MAX_ASKED_TOOL = 256;

/**
 * Before authentication: a 2026-07-28 `tools/call` names its tool in its `Mcp-Name` header,
 * so the tool's standing is asked of the tenant's object in the same call as the caller's
 * own standing, one round trip fewer per call. The body must name the same tool (the
 * gateway refuses a mismatch), and a call whose standing was not asked asks on its own.
 */
export const askToolStanding = createMiddleware<AppEnv>(async (c, next) => {
  const tool = c.req.header('mcp-name');
  const upstream = c.req.param('upstream');
  if (
    c.req.method === 'POST' &&
    c.req.header('mcp-method') === 'tools/call' &&
    upstream !== undefined &&
    tool !== undefined &&
    tool.length <= MAX_ASKED_TOOL
  )
    c.set('toolAsked', { upstream, tool });
  await next();
});

/** Whether a `tools/call` of `tool` is served to this agent (else it is an unknown tool). */
export async function isServed(
  c: AppContext,
  agent: AgentPrincipal,
  upstream: McpUpstream,
  tool: string,
): Promise<boolean> {
  const asked = c.get('toolStanding');
  const standing =
    asked?.upstream === upstream.name && asked.tool === tool
      ? asked.standing
      : await callAgent(() => tenantPins(c.env, agent.tenant).mcpToolStanding(upstream.name, tool));
  return isServedTool(upstream, policyInfo.toolTargets, agent, tool, standing);
}
