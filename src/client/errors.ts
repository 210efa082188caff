/**
 * @module
 * What the client throws: the edge's refusals, typed by the API's error codes, and the
 * failure to reach the edge at all.
 */
import type { ApiErrorCode } from '../lib/api-errors.js';
import { TollgateError } from '../lib/errors.js';

/** The edge answered with an error: its code, HTTP status and message, and how long to wait when it says. */
export class TollgateApiError extends TollgateError<ApiErrorCode> {
  constructor(
    code: ApiErrorCode,
    message: string,
    readonly status: number,
    readonly retryAfterSeconds: number | null = null,
    readonly requestId: string | null = null,
  ) {
    super(code, message);
    this.name = 'TollgateApiError';
  }
}

/** The edge could not be reached, or did not answer in time, after every retry. */
export class TollgateUnreachableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TollgateUnreachableError';
  }
}
