/**
 * @module
 * The MCP gateway, `/mcp/<upstream>`: agents point any MCP client (Streamable HTTP) at it
 * with their agent token, and every tool call is governed whether or not they ask first.
 * It speaks both protocol eras by passing the protocol through: 2026-07-28 (stateless,
 * `server/discover`, MRTR; its `Mcp-Method` and `Mcp-Name` headers must agree with the body)
 * and the 2025 line (`initialize`, a session bound to the agent; GET and DELETE go to the
 * upstream, which answers 405 where it has no such stream or session). Two methods are the
 * gateway's own: `tools/list`, filtered to the tools the agent is served, and `tools/call`,
 * governed (see `tool-call.ts`). Everything else is relayed as it is, streams included; the
 * answers to `resources/read` and `prompts/get` are scanned by DLP as tool results are.
 */
import { JSONRPCMessageSchema, type RequestId, ToolSchema, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { Hono } from 'hono';
import { readText } from '../body.js';
import type { AppContext, AppEnv } from '../env.js';
import { ApiError } from '../errors.js';
import type { JsonValue } from '../../lib/json.js';
import { rewriteMessages } from '../../mcp/messages.js';
import { scanParams } from '../../mcp/result-dlp.js';
import type { McpUpstream } from '../../policy/model.js';
import { policyInfo } from '../policy-source.js';
import { agentCaller, type AgentPrincipal } from '../principal.js';
import { agentStub, callAgent } from '../agents.js';
import { servedTools } from './catalog.js';
import { isAnswerTo, RpcCode, rpcError } from './rpc.js';
import { governToolCall } from './tool-call.js';
import { answerHeaders, callUpstream, sessionOf, type SessionContext } from './upstream.js';

/** The largest MCP message the gateway takes from an agent. */
export const MAX_MCP_BODY_BYTES = 1024 * 1024;
/** The first protocol revision with per-request headers and MRTR. */
const MODERN = '2026-07-28';
/** The methods whose `Mcp-Name` header names `params.name`; for these, `params.uri`. */
const NAMED_BY = {
  name: ['tools/call', 'prompts/get'],
  uri: ['resources/read', 'resources/subscribe', 'resources/unsubscribe'],
};

function upstreamNamed(name: string) {
  const upstream = policyInfo.mcpUpstreams.find((u) => u.name === name);
  if (upstream) return upstream;
  const declared = policyInfo.mcpUpstreams.map((u) => u.name);
  throw new ApiError(
    'not_found',
    `no MCP upstream '${name.slice(0, 64)}'; the policy declares ${declared.length ? declared.join(', ') : 'none'}`,
  );
}

/**
 * Browsers' cross-site requests are refused (DNS rebinding, and pages driving a gateway):
 * an Origin must be the gateway's own, or, in local development, any loopback origin.
 */
function checkOrigin(c: AppContext): void {
  const origin = c.req.header('origin');
  if (origin === undefined) return;
  let url: URL | null = null;
  try {
    url = new URL(origin);
  } catch {
    // a malformed Origin is refused like a foreign one
  }
  const loopback = url !== null && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url?.host === new URL(c.req.url).host || (loopback && c.env.LOCAL_DEVELOPMENT === 'true')) return;
  throw new ApiError('forbidden', `requests from origin ${origin.slice(0, 100)} are refused`);
}

/** The `Mcp-Method`/`Mcp-Name` headers must say what the body says (2026-07-28); a modern request must send the first. */
function headerProblem(c: AppContext, method: string, params: Record<string, unknown>, modern: boolean): string | null {
  const headerMethod = c.req.header('mcp-method');
  if (headerMethod === undefined)
    return modern ? 'the Mcp-Method header is required from protocol 2026-07-28 on' : null;
  if (headerMethod !== method)
    return `the Mcp-Method header '${headerMethod}' does not match the body's method '${method}'`;
  const headerName = c.req.header('mcp-name');
  const field = NAMED_BY.name.includes(method) ? 'name' : NAMED_BY.uri.includes(method) ? 'uri' : null;
  if (headerName !== undefined && field !== null && headerName !== params[field])
    return `the Mcp-Name header '${headerName}' does not match the body's params.${field}`;
  return null;
}

/** The requests a suspended agent may still make: the handshake and liveness, which reach no tool, resource or prompt. */
const HANDSHAKE = ['initialize', 'ping', 'server/discover'];

/** Whether the agent is suspended (the kill switch, its breaker or its tenant's halt), now. */
async function isSuspended(c: AppContext, agent: AgentPrincipal): Promise<boolean> {
  if (c.get('halt') !== null) return true;
  const view = await callAgent(() =>
    agentStub(c.env, agent.tenant, agent.id).state({ tenant: agent.tenant, id: agent.id }),
  );
  return view.suspended;
}

/** Relays the upstream's answer as it is (streams stay streams). */
function relay(c: AppContext, response: Response, session: SessionContext, body: BodyInit | null = response.body) {
  return new Response(body, { status: response.status, headers: answerHeaders(c, response, session) });
}

/** `tools/list`, filtered to what the agent is served. */
async function listTools(c: AppContext, id: RequestId, raw: string, session: SessionContext): Promise<Response> {
  const agent = agentCaller(c);
  const upstream = upstreamNamed(c.req.param('upstream')!);
  const response = await callUpstream(c, upstream, session, { method: 'POST', body: raw });
  const body = await rewriteMessages(response, async (message) => {
    if (!isAnswerTo(message, id) || message.result === null || typeof message.result !== 'object') return message;
    const result = message.result as { tools?: unknown };
    // A tool the SDK's schema refuses is not served: nothing malformed reaches the agent.
    const tools = (Array.isArray(result.tools) ? result.tools : []).flatMap((t) => {
      const parsed = ToolSchema.safeParse(t);
      return parsed.success ? [t as Tool] : [];
    });
    return { ...message, result: { ...result, tools: await servedTools(c, agent, upstream, tools) } };
  });
  return relay(c, response, session, body);
}

async function post(c: AppContext): Promise<Response> {
  const agent = agentCaller(c);
  const upstream = upstreamNamed(c.req.param('upstream')!);
  const session = sessionOf(c, { tenant: agent.tenant, agent: agent.id, upstream: upstream.name });
  const type = (c.req.header('content-type') ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json')
    return rpcError(
      null,
      RpcCode.InvalidRequest,
      'an MCP message is sent as Content-Type: application/json',
      undefined,
      415,
    );
  const raw = await readText(c, MAX_MCP_BODY_BYTES);
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    return rpcError(null, -32700, 'the body is not valid JSON', undefined, 400);
  }
  if (Array.isArray(body))
    return rpcError(
      null,
      RpcCode.InvalidRequest,
      'JSON-RPC batches are not supported; send one message per request',
      undefined,
      400,
    );
  const parsed = JSONRPCMessageSchema.safeParse(body);
  if (!parsed.success)
    return rpcError(null, RpcCode.InvalidRequest, 'the body is not a JSON-RPC 2.0 message', undefined, 400);
  const message = parsed.data;
  if (!('method' in message))
    return relay(c, await callUpstream(c, upstream, session, { method: 'POST', body: raw }), session);
  const params = (message.params ?? {}) as Record<string, unknown>;
  const modern = (c.req.header('mcp-protocol-version') ?? '') >= MODERN;
  const id = 'id' in message ? (message.id as RequestId) : null;
  const problem = headerProblem(c, message.method, params, modern);
  if (problem !== null) return rpcError(id, RpcCode.InvalidRequest, problem, undefined, 400);
  if (id !== null && message.method === 'tools/list') return listTools(c, id, raw, session);
  if (id !== null && message.method === 'tools/call')
    return governToolCall({ c, agent, upstream, session, id, params, raw, modern });
  // What is relayed is not decided, but a suspended agent reads no resource or prompt either.
  if (id !== null && !HANDSHAKE.includes(message.method) && (await isSuspended(c, agent)))
    return rpcError(id, RpcCode.Denied, 'the agent is suspended: nothing reaches the upstream until it is resumed');
  const response = await callUpstream(c, upstream, session, { method: 'POST', body: raw });
  if (id !== null && SCANNED.includes(message.method))
    return relay(c, response, session, await scanned(response, id, upstream));
  return relay(c, response, session);
}

/** The reads whose answers carry an upstream's content: DLP scans them as it scans tool results. */
const SCANNED = ['resources/read', 'prompts/get'];

/** The answer with DLP's finds redacted, or withheld (a JSON-RPC error) under `results: block`. */
function scanned(response: Response, id: RequestId, upstream: McpUpstream) {
  const dlp = policyInfo.resultDlp;
  return rewriteMessages(response, (message) => {
    if (dlp === null || !isAnswerTo(message, id) || message.result === undefined) return message;
    const scan = scanParams(message.result as JsonValue, dlp);
    if (scan.found.length === 0) return message;
    if (upstream.results === 'redact') return { ...message, result: scan.redacted };
    const { result: _withheld, ...rest } = message;
    return {
      ...rest,
      error: { code: RpcCode.Denied, message: `The answer was withheld: DLP found ${scan.found.join(', ')} in it.` },
    };
  });
}

/** GET (the 2025 line's server stream) and DELETE (ending a session) go to the upstream as they are. */
async function passThrough(c: AppContext, method: 'GET' | 'DELETE'): Promise<Response> {
  const agent = agentCaller(c);
  const upstream = upstreamNamed(c.req.param('upstream')!);
  const session = sessionOf(c, { tenant: agent.tenant, agent: agent.id, upstream: upstream.name });
  if (method === 'GET' && (await isSuspended(c, agent)))
    throw new ApiError('forbidden', 'the agent is suspended: nothing reaches the upstream until it is resumed');
  return relay(c, await callUpstream(c, upstream, session, { method }), session);
}

export const mcpRoutes = new Hono<AppEnv>()
  .use('/mcp/:upstream', async (c, next) => {
    checkOrigin(c);
    await next();
  })
  .post('/mcp/:upstream', post)
  .get('/mcp/:upstream', (c) => passThrough(c, 'GET'))
  .delete('/mcp/:upstream', (c) => passThrough(c, 'DELETE'));
