/**
 * @module
 * The single error shape of every route (DESIGN §3), and the errors routes throw.
 * `{ error: { code, message, retryable }, request_id }`, with each status keeping its meaning.
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { TollgateError } from '../policy/errors.js';

export type ApiErrorCode =
  | 'invalid_json'
  | 'invalid_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'idempotency_mismatch'
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
  idempotency_mismatch: 409,
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

/** The API error for a `TollgateError` raised below the routes: bad input stays 400, a conflict 409; anything else is internal. */
export function fromTollgateError(err: TollgateError): ApiError {
  switch (err.code) {
    case 'request_invalid':
      return new ApiError('invalid_request', err.message);
    case 'idempotency_mismatch':
      return new ApiError('idempotency_mismatch', err.message);
    case 'decision_not_open':
      return new ApiError('conflict', err.message);
    default:
      return new ApiError('internal', 'internal error');
  }
}

/** Renders an error in the one shape, with the request id and, for 503, Retry-After. */
export function errorResponse(c: Context, err: ApiError): Response {
  if (err.retryAfterSeconds !== undefined) c.header('Retry-After', String(err.retryAfterSeconds));
  return c.json({ error: { code: err.code, message: err.message, retryable: err.status === 503 || err.status === 429 }, request_id: c.get('requestId') ?? null }, err.status);
}
