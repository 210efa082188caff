/**
 * @module
 * The JSON-RPC answers the gateway makes itself, and the error codes it uses. A refusal is a
 * JSON-RPC error on an HTTP 200, as an MCP server answers, so any client shows its message.
 */
import type { JSONRPCErrorResponse, RequestId } from '@modelcontextprotocol/sdk/types.js';

/** JSON-RPC's own codes, and the gateway's (in the range JSON-RPC leaves to servers). */
export const RpcCode = {
  InvalidRequest: -32600,
  InvalidParams: -32602,
  /** The policy denied the call. */
  Denied: -32003,
  /** The call waits for a human's approval, which was denied or expired, or its request state is not valid. */
  ApprovalFailed: -32004,
} as const;

/** A JSON-RPC error answer. */
export function rpcError(id: RequestId | null, code: number, message: string, data?: unknown, status = 200): Response {
  // A parse error has no id to answer (JSON-RPC's null), which the SDK's type leaves out.
  const answer = {
    jsonrpc: '2.0' as const,
    id: id as RequestId,
    error: { code, message, ...(data !== undefined && { data }) },
  };
  return Response.json(answer satisfies JSONRPCErrorResponse, { status });
}

/** A JSON-RPC result answer. */
export function rpcResult(id: RequestId, result: unknown, headers?: Headers): Response {
  return Response.json({ jsonrpc: '2.0', id, result }, { headers });
}

/** Whether `message` is the answer (result or error) to request `id`. */
export function isAnswerTo(
  message: unknown,
  id: RequestId,
): message is { id: RequestId; result?: unknown; error?: unknown } {
  if (message === null || typeof message !== 'object' || Array.isArray(message)) return false;
  const m = message as Record<string, unknown>;
  return m.id === id && ('result' in m || 'error' in m);
}
