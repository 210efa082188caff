/**
 * @module
 * The error root. Every error Tollgate throws is a `TollgateError` with a stable `code` and
 * a lowercase `message`; the error it wraps, if any, is kept as `cause`. Parts add their own
 * codes by subclassing (the edge's `ApiError`, the policy checker's `PolicyError`).
 */

/** Codes of errors raised by the core (policy, engine, tokens). */
export type TollgateErrorCode =
  | 'policy_invalid'
  | 'bundle_invalid'
  | 'abi_mismatch'
  | 'request_invalid'
  | 'evaluator_trap'
  /** An outcome named a decision that is not open: never allowed, already settled, or expired. */
  | 'decision_not_open'
  /** An idempotency key came back with a different request than it first came with. */
  | 'idempotency_mismatch';

/** Base class of every error Tollgate throws. `code` is stable; `message` is lowercase. */
export class TollgateError<Code extends string = TollgateErrorCode> extends Error {
  readonly code: Code;
  constructor(code: Code, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TollgateError';
    this.code = code;
  }
}
