/**
 * @module
 * One request to the edge, with the client's retry policy: a 503 (which the edge answers
 * with `Retry-After` when state is briefly unavailable) and a failure to connect are retried
 * with exponential backoff and jitter, waiting at least what `Retry-After` asks; any other
 * answer, 4xx included, is final. Only requests that are safe to send again are retried:
 * reads, and writes that carry an idempotency key or are single-use by design.
 */
import { API_ERROR_CODES, type ApiErrorCode } from '../lib/api-errors.js';
import { TollgateApiError, TollgateUnreachableError } from './errors.js';

export interface RetryPolicy {
  /** Attempts after the first (default 3). */
  retries: number;
  /** The first backoff, doubled on each retry (default 200 ms). */
  baseDelayMs: number;
  /** The longest wait between attempts (default 5 s). */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 3, baseDelayMs: 200, maxDelayMs: 5000 };

export interface Transport {
  baseUrl: string;
  token: string;
  fetch: typeof fetch;
  retry: RetryPolicy;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The wait before retry `attempt` (0-based): backoff with full jitter, at least what Retry-After asks. */
function delay(policy: RetryPolicy, attempt: number, retryAfterSeconds: number | null): number {
  const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  const jittered = backoff / 2 + Math.random() * (backoff / 2);
  return Math.min(policy.maxDelayMs, Math.max(jittered, (retryAfterSeconds ?? 0) * 1000));
}

async function apiError(res: Response): Promise<TollgateApiError> {
  const text = await res.text();
  let body: { error?: { code?: string; message?: string }; request_id?: string } = {};
  try {
    body = JSON.parse(text);
  } catch {
    // not the API's error shape (a proxy's page): keep the status
  }
  const known = (API_ERROR_CODES as readonly string[]).includes(body.error?.code ?? '');
  const code = (known ? body.error!.code : res.status >= 500 ? 'unavailable' : 'invalid_request') as ApiErrorCode;
  const retryAfter = Number(res.headers.get('retry-after'));
  return new TollgateApiError(
    code,
    body.error?.message ?? `the edge answered ${res.status}`,
    res.status,
    Number.isFinite(retryAfter) && res.headers.has('retry-after') ? retryAfter : null,
    body.request_id ?? null,
  );
}

/** Sends a request; the answer, or the typed error. `retry` says whether it may be sent again. */
export async function send(
  t: Transport,
  method: string,
  path: string,
  body: unknown,
  retry: boolean,
): Promise<Response> {
  const attempts = retry ? t.retry.retries + 1 : 1;
  let last: unknown = null;
  for (let attempt = 0; attempt < attempts; attempt++) {
    let res: Response;
    try {
      res = await t.fetch(new URL(path, t.baseUrl).href, {
        method,
        headers: {
          authorization: `Bearer ${t.token}`,
          ...(body !== undefined && { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      last = err;
      if (attempt + 1 < attempts) await sleep(delay(t.retry, attempt, null));
      continue;
    }
    if (res.ok) return res;
    const error = await apiError(res);
    if (res.status !== 503 || attempt + 1 >= attempts) throw error;
    last = error;
    await sleep(delay(t.retry, attempt, error.retryAfterSeconds));
  }
  if (last instanceof TollgateApiError) throw last;
  throw new TollgateUnreachableError(`the edge at ${t.baseUrl} could not be reached: ${(last as Error)?.message}`, {
    cause: last,
  });
}

/** Sends a request and reads its JSON answer. */
export async function sendJson<T>(
  t: Transport,
  method: string,
  path: string,
  body: unknown,
  retry: boolean,
): Promise<T> {
  return (await (await send(t, method, path, body, retry)).json()) as T;
}
