/**
 * @module
 * The edge API's error codes (DESIGN §3): the `code` of every `{ error: { code, message } }`
 * the HTTP API answers, shared by the Worker that answers them and the client that reads them.
 */
export const API_ERROR_CODES = [
  'invalid_json',
  'invalid_request',
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'idempotency_mismatch',
  'ticket_invalid',
  'ticket_mismatch',
  'ticket_replay',
  'delegation_invalid',
  'egress_refused',
  'upstream_failed',
  'body_too_large',
  'unavailable',
  'internal',
] as const;

export type ApiErrorCode = (typeof API_ERROR_CODES)[number];
