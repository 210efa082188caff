/**
 * @module
 * The single error shape of every route (DESIGN §3), and the errors routes throw.
 * `{ error: { code, message, retryable }, request_id }`, with each status keeping its meaning.
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export type ApiErrorCode =
  | 'invalid_json'
  | 'invalid_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'ticket_invalid'
  | 'ticket_mismatch'
  | 'ticket_replay'
  | 'delegation_invalid'
  | 'body_too_large'
  | 'unavailable'
  | 'internal';

const STATUS: Record<ApiErrorCode, ContentfulStatusCode> = {
  invalid_json: 400,
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  ticket_invalid: 401,
  ticket_mismatch: 403,
  ticket_replay: 409,
  delegation_invalid: 403,
  body_too_large: 413,
  unavailable: 503,
  internal: 500,
};

/** An error a route answers with; anything else becomes `internal` (or `unavailable`). */
export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
  get status(): ContentfulStatusCode {
    return STATUS[this.code];
  }
}

/** Renders an error in the one shape, with the request id and, for 503, Retry-After. */
export function errorResponse(c: Context, err: ApiError): Response {
  if (err.retryAfterSeconds !== undefined) c.header('Retry-After', String(err.retryAfterSeconds));
  return c.json({ error: { code: err.code, message: err.message, retryable: err.status === 503 || err.status === 429 }, request_id: c.get('requestId') ?? null }, err.status);
}
