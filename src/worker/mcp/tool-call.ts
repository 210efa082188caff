/**
 * @module
 * A governed `tools/call`. The call is decided like any other (`mcp.<upstream>.<tool>` on
 * `mcp:<upstream>/<tool>`, the arguments as params: same limits, DLP, audit record), then:
 * - deny: a JSON-RPC error with the decision's code and reasons; the upstream sees nothing;
 * - require_approval: a modern client (2026-07-28) gets an `input_required` result whose
 *   URL-mode elicitation points at the approval, and whose `requestState` is a signed,
 *   single-use state naming it; a legacy client gets an `isError` result with the link and
 *   the same state in `_meta`, to send back once approved. Completing it burns the approval's
 *   ticket, so a replayed state is refused;
 * - allow: the call is forwarded, and its result scanned by DLP on the way back (redacted or
 *   withheld, per the upstream's `results:`), and audited with the tool, a keyed digest of
 *   the arguments, the decision and the latency. The call is on the agent's chain before the
 *   upstream sees it (its decision record, committed first). An answer DLP changed, or a call
 *   that never reached the upstream, waits for its `tool_call` record; an ordinary answer
 *   leaves first, and its record is written as the request ends (`waitUntil`): the answer is
 *   the same either way, and waiting for the record cost about a millisecond of every call.
 */
import type { CallToolResult, RequestId } from '@modelcontextprotocol/sdk/types.js';
import type { InputRequiredResult } from '@modelcontextprotocol/server';
import type { JsonObject, JsonValue } from '../../lib/json.js';
import { rewriteMessages } from '../../mcp/messages.js';
import { scanParams, scanResult, type ResultDetectors } from '../../mcp/result-dlp.js';
import { toolAction, toolResource } from '../../mcp/visibility.js';
import type { McpUpstream } from '../../policy/model.js';
import { issueRequestState, verifyRequestState, type RequestStateClaims } from '../../tokens/request-state.js';
import { paramsHash, verifyTicket } from '../../tokens/ticket.js';
import type { EdgeDecision } from '../agent-rpc.js';
import { agentCalls, agentStub, callAgent } from '../agents.js';
import { tenantDigester } from '../audit/digests.js';
import { decideAll, engineRequest } from '../decision-pipeline.js';
import type { AppContext } from '../env.js';
import { ApiError } from '../errors.js';
import { publicJwks, signingKey } from '../keys.js';
import { policyInfo } from '../policy-source.js';
import type { AgentPrincipal } from '../principal.js';
import { isServed } from './catalog.js';
import { isAnswerTo, RpcCode, rpcError, rpcResult } from './rpc.js';
import { answerHeaders, callUpstream, type SessionContext } from './upstream.js';

/** Where a legacy client sends the request state back: the call's `_meta`. */
export const REQUEST_STATE_META = 'io.tollgate/request-state';
/** The executor id the gateway redeems approved tickets as. */
const GATEWAY_EXECUTOR = 'mcp-gateway';

export interface ToolCall {
  c: AppContext;
  agent: AgentPrincipal;
  upstream: McpUpstream;
  session: SessionContext;
  id: RequestId;
  params: Record<string, unknown>;
  /** The request as the agent sent it. */
  raw: string;
  /** Whether the client speaks 2026-07-28 or later (MRTR), not the 2025 line. */
  modern: boolean;
}

const isPlainObject = (v: unknown): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);

export async function governToolCall(call: ToolCall): Promise<Response> {
  const { c, agent, upstream, id, params } = call;
  if (typeof params.name !== 'string') return rpcError(id, RpcCode.InvalidParams, 'params.name: must be a string');
  const tool = params.name;
  const args = params.arguments ?? {};
  if (!isPlainObject(args)) return rpcError(id, RpcCode.InvalidParams, 'params.arguments: must be an object');
  if (!(await isServed(c, agent, upstream, tool))) return rpcError(id, RpcCode.InvalidParams, `Unknown tool: ${tool}`);
  const meta = isPlainObject(params._meta) ? params._meta : {};
  const state = typeof params.requestState === 'string' ? params.requestState : meta[REQUEST_STATE_META];
  if (typeof state === 'string') return resumeApproved(call, tool, args, state);

  let request;
  try {
    request = engineRequest(
      { action: toolAction(upstream.name, tool), resource: toolResource(upstream.name, tool), params: args },
      agent,
      'params',
    );
  } catch (err) {
    if (err instanceof ApiError) return rpcError(id, RpcCode.InvalidParams, err.message);
    throw err;
  }
  const [decision] = await decideAll(c, agent, [request]);
  if (decision.decision === 'deny') return denied(id, decision);
  if (decision.decision === 'require_approval') return awaitingApproval(call, tool, args, decision);
  return forward(call, tool, args, decision.id, call.raw);
}

function denied(id: RequestId, decision: EdgeDecision): Response {
  const why = decision.reasons.map((r) => r.message).join('; ') || decision.code;
  return rpcError(id, RpcCode.Denied, `Denied by policy: ${why}`, {
    decision_id: decision.id,
    code: decision.code,
    reasons: decision.reasons,
  });
}

function ticketKey(c: AppContext) {
  const key = signingKey(c.env, 'TICKET_SIGNING_JWK');
  if (key === null)
    throw new ApiError('unavailable', 'approvals need the ticket signing key (TICKET_SIGNING_JWK)', {
      retryAfterSeconds: 30,
    });
  return key;
}

/** The answer to a call that waits for approval `approval`: MRTR for modern clients, an `isError` result for legacy ones. */
async function awaitingApproval(
  call: ToolCall,
  tool: string,
  args: JsonObject,
  decision: Pick<EdgeDecision, 'approval'>,
  state?: string,
): Promise<Response> {
  const { c, agent, upstream, id } = call;
  const approval = decision.approval!;
  const requestState =
    state ??
    (await issueRequestState(
      {
        sub: agent.id,
        tenant: agent.tenant,
        approval: approval.id,
        action: toolAction(upstream.name, tool),
        resource: toolResource(upstream.name, tool),
        params_hash: paramsHash(args),
        exp: Math.floor(Date.parse(approval.expires_at) / 1000),
      },
      ticketKey(c),
      c.env.TICKET_ISSUER,
    ));
  const url = `${new URL(c.req.url).origin}/v1/approvals/${approval.id}`;
  const message = `Calling ${tool} on ${upstream.name} needs a human's approval (approval ${approval.id}, until ${approval.expires_at}): ${url}`;
  if (call.modern)
    return rpcResult(id, {
      resultType: 'input_required',
      inputRequests: {
        'tollgate-approval': {
          method: 'elicitation/create',
          params: { mode: 'url', message, url, elicitationId: approval.id },
        },
      },
      requestState,
    } satisfies InputRequiredResult);
  return rpcResult(id, {
    isError: true,
    content: [
      {
        type: 'text',
        text: `${message}\nOnce it is approved, call ${tool} again with the same arguments and _meta {"${REQUEST_STATE_META}": "<the request state in this result's _meta>"}.`,
      },
    ],
    _meta: {
      [REQUEST_STATE_META]: requestState,
      'io.tollgate/approval': { id: approval.id, url, expires_at: approval.expires_at },
    },
  } satisfies CallToolResult);
}

/** Completes a call whose approval the request state names, once, if a human approved exactly this call. */
async function resumeApproved(call: ToolCall, tool: string, args: JsonObject, state: string): Promise<Response> {
  const { c, agent, upstream, id } = call;
  let claims: RequestStateClaims;
  try {
    claims = await verifyRequestState(state, publicJwks(c.env), c.env.TICKET_ISSUER);
  } catch (err) {
    return rpcError(id, RpcCode.ApprovalFailed, (err as Error).message);
  }
  const bound =
    claims.sub === agent.id &&
    claims.tenant === agent.tenant &&
    claims.action === toolAction(upstream.name, tool) &&
    claims.resource === toolResource(upstream.name, tool) &&
    claims.params_hash === paramsHash(args);
  if (!bound) return rpcError(id, RpcCode.ApprovalFailed, 'the request state was given for another call');
  const reply = await callAgent(() =>
    agentCalls(c.env, agent.tenant, agent.id).approval(claims.approval, { kind: 'agent', id: agent.id }),
  );
  if (reply === null) return rpcError(id, RpcCode.ApprovalFailed, `no approval ${claims.approval}`);
  const { approval } = reply;
  if (approval.status === 'pending')
    return awaitingApproval(
      call,
      tool,
      args,
      { approval: { id: approval.id, status: 'pending', expires_at: new Date(approval.expires_at).toISOString() } },
      state,
    );
  if (reply.decision !== 'allow' || reply.ticket === undefined)
    return rpcError(
      id,
      RpcCode.ApprovalFailed,
      `approval ${approval.id} is ${approval.status}${reply.reason ? `: ${reply.reason}` : ''}`,
    );
  // The approval's ticket is burned here: the state completes one call, once.
  const ticket = await verifyTicket(reply.ticket, publicJwks(c.env), c.env.TICKET_ISSUER);
  const burned = await callAgent(() => agentStub(c.env, agent.tenant, agent.id).burnTicket(ticket, GATEWAY_EXECUTOR));
  if (burned !== 'redeemed')
    return rpcError(
      id,
      RpcCode.ApprovalFailed,
      burned === 'replay'
        ? `approval ${approval.id} was already used`
        : `approval ${approval.id}'s ticket is ${burned}`,
    );
  const { requestState: _state, inputResponses: _responses, ...rest } = call.params;
  const { [REQUEST_STATE_META]: _meta, ...meta } = isPlainObject(call.params._meta) ? call.params._meta : {};
  const forwarded = { ...rest, ...(Object.keys(meta).length > 0 ? { _meta: meta } : { _meta: undefined }) };
  return forward(
    call,
    tool,
    args,
    approval.decision,
    JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: forwarded }),
  );
}

/** A result withheld by DLP, in place of `result` (keeping its `resultType`, which 2026-07-28 results carry). */
function withheld(result: unknown, found: string[]) {
  const resultType = (result as { resultType?: unknown } | null)?.resultType;
  return {
    ...(resultType !== undefined && { resultType }),
    isError: true,
    content: [{ type: 'text', text: `The tool's result was withheld: DLP found ${found.join(', ')} in it.` }],
  } satisfies CallToolResult;
}

/** A message sent while the call runs (a notification, a request to the client), its params' finds redacted. */
function redactedParams(message: unknown, dlp: ResultDetectors): unknown {
  const params = (message as { params?: JsonValue } | null)?.params;
  if (params === undefined) return message;
  const scan = scanParams(params, dlp);
  return scan.found.length === 0 ? message : { ...(message as object), params: scan.redacted };
}

/** Forwards the call and relays the upstream's answer, its result scanned and the call audited. */
async function forward(
  call: ToolCall,
  tool: string,
  args: JsonObject,
  decisionId: string,
  body: string,
): Promise<Response> {
  const { c, agent, upstream, session, id } = call;
  const started = Date.now();
  const argsDigest = tenantDigester(c.env, agent.tenant).digest(args);
  let status: number | null = null;
  const record = (fields: { [key: string]: JsonValue }) =>
    callAgent(() =>
      agentStub(c.env, agent.tenant, agent.id).recordForwarded({ tenant: agent.tenant, id: agent.id }, 'tool_call', {
        decision_id: decisionId,
        upstream: upstream.name,
        tool,
        args: argsDigest,
        status,
        ...fields,
        ms: Date.now() - started,
      }),
    );
  let response: Response;
  try {
    response = await callUpstream(c, upstream, session, { method: 'POST', body });
  } catch (err) {
    // Refused by the SSRF guard, or unanswered: on the record all the same.
    await record({ outcome: err instanceof ApiError ? err.code : 'upstream_failed' });
    throw err;
  }
  status = response.status;
  let answered = false;
  const dlp = policyInfo.resultDlp;
  /** An outcome that doesn't change the answer is recorded once the answer has left. */
  const recordAfterwards = (fields: { [key: string]: JsonValue }) =>
    c.executionCtx.waitUntil(
      record(fields).catch((err: unknown) =>
        console.error(`tool_call record of decision ${decisionId} not written: ${(err as Error).message}`),
      ),
    );
  const relayed = await rewriteMessages(response, async (message) => {
    if (!isAnswerTo(message, id)) return dlp === null ? message : redactedParams(message, dlp);
    answered = true;
    const scan =
      dlp === null || message.error !== undefined
        ? { found: [] as string[], redacted: null }
        : scanResult(message.result as JsonValue, dlp);
    if (scan.found.length === 0) {
      recordAfterwards({ outcome: message.error !== undefined ? 'error' : 'ok' });
      return message;
    }
    const blocked = upstream.results === 'block';
    await record({ outcome: blocked ? 'withheld' : 'redacted', dlp: scan.found });
    return { ...message, result: blocked ? withheld(message.result, scan.found) : scan.redacted };
  });
  if (!answered && response.headers.get('content-type')?.includes('json')) recordAfterwards({ outcome: 'no_answer' });
  return new Response(relayed, { status: response.status, headers: answerHeaders(c, response, session) });
}
