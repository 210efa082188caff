import { describe, expect, it } from 'vitest';
import { TollgateError } from '../lib/errors.js';
import { PolicyError } from '../policy/errors.js';
import { ApiError, toApiError } from './errors.js';

describe('the error root', () => {
  it('keeps the code, the message and the cause', () => {
    const cause = new RangeError('offset out of bounds');
    const err = new TollgateError('bundle_invalid', 'bundle is malformed', { cause });
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({ name: 'TollgateError', code: 'bundle_invalid', message: 'bundle is malformed', cause });
  });

  it('policy and API errors are TollgateErrors', () => {
    expect(new PolicyError([])).toBeInstanceOf(TollgateError);
    const api = new ApiError('unavailable', 'down', { retryAfterSeconds: 3 });
    expect(api).toBeInstanceOf(TollgateError);
    expect(api).toMatchObject({ code: 'unavailable', status: 503, retryAfterSeconds: 3 });
  });

  it('a core error becomes the API error with its status, keeping it as the cause', () => {
    const invalid = new TollgateError('request_invalid', 'params: nested too deep');
    expect(toApiError(invalid)).toMatchObject({
      code: 'invalid_request',
      status: 400,
      message: 'params: nested too deep',
      cause: invalid,
    });
    expect(toApiError(new TollgateError('decision_not_open', 'settled'))).toMatchObject({
      code: 'conflict',
      status: 409,
    });
    expect(toApiError(new TollgateError('idempotency_mismatch', 'reused'))).toMatchObject({
      code: 'idempotency_mismatch',
      status: 409,
    });
    const trap = new TollgateError('evaluator_trap', 'unreachable');
    expect(toApiError(trap)).toMatchObject({ code: 'internal', status: 500, message: 'internal error', cause: trap });
    const api = new ApiError('forbidden', 'no');
    expect(toApiError(api)).toBe(api);
    const plain = new Error('boom');
    expect(toApiError(plain)).toMatchObject({ code: 'internal', status: 500, cause: plain });
  });
});
