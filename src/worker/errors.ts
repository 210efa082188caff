/**
 * @module
 * The single error shape of every route (DESIGN §3), and the errors routes throw.
 * `{ error: { code, message, retryable }, request_id }`, with each status keeping its meaning.
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ApiErrorCode } from '../lib/api-errors.js';
import { TollgateError, type TollgateErrorCode } from '../lib/errors.js';

export type { ApiErrorCode };

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
  egress_refused: 403,
  upstream_failed: 502,
  body_too_large: 413,
  unavailable: 503,
  internal: 500,
};

/** Retry-After for 503s, and the error this one wraps. */
export interface ApiErrorOptions {
  retryAfterSeconds?: number;
  cause?: unknown;
}

/** An error a route answers with: a `TollgateError` whose code is one of the API's. */
export class ApiError extends TollgateError<ApiErrorCode> {
  readonly retryAfterSeconds?: number;
  constructor(code: ApiErrorCode, message: string, options: ApiErrorOptions = {}) {
    super(code, message, { cause: options.cause });
    this.name = 'ApiError';
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
  get status(): ContentfulStatusCode {
    return STATUS[this.code];
  }
}

/**
 * What the API answers for a core error raised below the routes: bad input stays 400, a
 * conflict 409; anything else (a broken bundle, a trapped evaluator) is internal, and its
 * message stays in the logs.
 */
const API_CODE_OF: Record<TollgateErrorCode, ApiErrorCode> = {
  request_invalid: 'invalid_request',
  idempotency_mismatch: 'idempotency_mismatch',
  decision_not_open: 'conflict',
  policy_invalid: 'internal',
  bundle_invalid: 'internal',
  abi_mismatch: 'internal',
  evaluator_trap: 'internal',
};

/** Any error as the API error it is answered with; the original is kept as its `cause`. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof TollgateError) {
    const code = API_CODE_OF[err.code as TollgateErrorCode] ?? 'internal';
    return new ApiError(code, code === 'internal' ? 'internal error' : err.message, { cause: err });
  }
  return new ApiError('internal', 'internal error', { cause: err });
}

/** Renders an error in the one shape, with the request id and, for 503, Retry-After. */
export function errorResponse(c: Context, err: ApiError): Response {
  if (err.retryAfterSeconds !== undefined) c.header('Retry-After', String(err.retryAfterSeconds));
  return c.json(
    {
      error: { code: err.code, message: err.message, retryable: err.status === 503 || err.status === 429 },
      request_id: c.get('requestId') ?? null,
    },
    err.status,
  );
}
