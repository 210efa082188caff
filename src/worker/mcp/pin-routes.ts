/**
 * @module
 * The operators' pin workflow (what `tollgate mcp pins` calls):
 * - `GET /v1/mcp/:upstream/tools`: the upstream's tools as it offers them now (the gateway
 *   asks it with the official SDK client), each with its pin state, its diff against the
 *   pinned definition and the description scan's findings;
 * - `POST /v1/mcp/:upstream/pins` `{tool, hash, note?}`: pins the tool's definition, only if
 *   `hash` is what the upstream offers now (an operator approves what they were shown);
 * - `DELETE /v1/mcp/:upstream/pins/:tool`: unpins it; it is hidden again;
 * - `GET /v1/mcp/pins`: the tenant's pins.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { Hono } from 'hono';
import { guardedFetch } from '../../egress/guard.js';
import type { JsonValue } from '../../lib/json.js';
import { definitionDiff, pinnedDefinition } from '../../mcp/pins.js';
import { scanTool } from '../../mcp/scan.js';
import type { McpUpstream } from '../../policy/model.js';
import { callAgent } from '../agents.js';
import { readJsonObject } from '../body.js';
import type { AppContext, AppEnv } from '../env.js';
import { ApiError } from '../errors.js';
import { policyInfo } from '../policy-source.js';
import { operatorCaller } from '../principal.js';
import { tenantPins } from '../tenant-object.js';
import { upstreamSecret } from '../upstream-secrets.js';
import { pinsAgainst } from './pin-book.js';

/** The most tools read from one upstream (pages of `tools/list`). */
const MAX_TOOLS = 1000;

function declared(name: string): McpUpstream {
  const upstream = policyInfo.mcpUpstreams.find((u) => u.name === name);
  if (!upstream)
    throw new ApiError(
      'not_found',
      `no MCP upstream '${name.slice(0, 64)}'; the policy declares ${policyInfo.mcpUpstreams.map((u) => u.name).join(', ') || 'none'}`,
    );
  return upstream;
}

/** The upstream's tools, every page, asked for with the SDK client through the SSRF guard and with its secret. */
async function upstreamTools(c: AppContext, upstream: McpUpstream): Promise<Tool[]> {
  const secret = upstreamSecret(c.env, upstream.secret);
  const transport = new StreamableHTTPClientTransport(new URL(upstream.url), {
    fetch: (url, init) => {
      const headers = new Headers(init?.headers);
      if (secret !== null) headers.set('authorization', `Bearer ${secret}`);
      return guardedFetch(url, { ...init, headers }, { allowLoopback: c.env.LOCAL_DEVELOPMENT === 'true' });
    },
  });
  const client = new Client({ name: 'tollgate-gateway', version: '1.0.0' });
  try {
    await client.connect(transport);
    const tools: Tool[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.listTools(cursor === undefined ? undefined : { cursor });
      tools.push(...page.tools);
      cursor = page.nextCursor;
    } while (cursor !== undefined && tools.length < MAX_TOOLS);
    return tools;
  } catch (err) {
    throw new ApiError(
      'upstream_failed',
      `the MCP upstream '${upstream.name}' did not list its tools: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  } finally {
    await client.close().catch(() => {});
  }
}

/**
 * The upstream's tools with their pin states. Nothing is recorded: what is held back is
 * recorded (and audited) when an agent's listing meets it.
 */
async function review(c: AppContext, upstream: McpUpstream, tenant: string) {
  const pinBook = tenantPins(c.env, tenant);
  const [tools, pins] = await Promise.all([upstreamTools(c, upstream), callAgent(() => pinBook.mcpPins())]);
  const { states, own, elsewhere } = pinsAgainst(upstream.name, tools, pins);
  return states.map((s) => ({
    name: s.tool.name,
    state: s.state,
    hash: s.hash,
    pinned_hash: own.get(s.tool.name)?.hash ?? null,
    changes: s.state === 'pinned' ? [] : definitionDiff(own.get(s.tool.name)?.definition ?? null, s.tool),
    findings: scanTool(s.tool, elsewhere),
    definition: pinnedDefinition(s.tool) as JsonValue,
  }));
}

export const pinRoutes = new Hono<AppEnv>()
  .get('/mcp/pins', async (c) => {
    const operator = operatorCaller(c);
    return c.json({ pins: await callAgent(() => tenantPins(c.env, operator.tenant).mcpPins()) });
  })
  .get('/mcp/:upstream/tools', async (c) => {
    const operator = operatorCaller(c);
    const upstream = declared(c.req.param('upstream'));
    return c.json({ upstream: upstream.name, tools: await review(c, upstream, operator.tenant) });
  })
  .post('/mcp/:upstream/pins', async (c) => {
    const operator = operatorCaller(c);
    const upstream = declared(c.req.param('upstream'));
    const body = await readJsonObject(c);
    for (const key of Object.keys(body))
      if (!['tool', 'hash', 'note'].includes(key))
        throw new ApiError('invalid_request', `${key}: is not a known field (expected tool, hash, note)`);
    if (typeof body.tool !== 'string') throw new ApiError('invalid_request', 'tool: must be a string');
    if (typeof body.hash !== 'string')
      throw new ApiError('invalid_request', 'hash: must be the sha256 the tool list shows');
    if (body.note !== undefined && typeof body.note !== 'string')
      throw new ApiError('invalid_request', 'note: must be a string');
    const tools = await review(c, upstream, operator.tenant);
    const tool = tools.find((t) => t.name === body.tool);
    if (!tool)
      throw new ApiError(
        'not_found',
        `the upstream '${upstream.name}' offers no tool '${String(body.tool).slice(0, 64)}'`,
      );
    if (tool.hash !== body.hash)
      throw new ApiError(
        'conflict',
        `the tool's definition is now ${tool.hash}, not ${body.hash}: review it again before pinning`,
      );
    const pin = await callAgent(() =>
      tenantPins(c.env, operator.tenant).approveMcpPin({
        upstream: upstream.name,
        tool: tool.name,
        hash: tool.hash,
        definition: tool.definition as never,
        approvedBy: operator.id,
        note: (body.note as string | undefined) ?? null,
      }),
    );
    // Seen as pinned now, so the tool is served at once (a shadowing name stays held back).
    const state = tool.state === 'shadowing' ? 'shadowing' : 'pinned';
    await callAgent(() =>
      tenantPins(c.env, operator.tenant).observeMcpTools(upstream.name, [{ tool: tool.name, hash: tool.hash, state }]),
    );
    return c.json({ pin, state }, 201);
  })
  .delete('/mcp/:upstream/pins/:tool', async (c) => {
    const operator = operatorCaller(c);
    const upstream = declared(c.req.param('upstream'));
    const removed = await callAgent(() =>
      tenantPins(c.env, operator.tenant).removeMcpPin(upstream.name, c.req.param('tool')),
    );
    if (!removed)
      throw new ApiError('not_found', `no pin for '${c.req.param('tool').slice(0, 64)}' on '${upstream.name}'`);
    return c.json({ removed: true });
  });
