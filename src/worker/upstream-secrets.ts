/**
 * @module
 * The secrets Tollgate injects into upstream calls (an `mcp:` or `egress:` upstream's
 * `secret`), read from the Worker's secrets by name. The agent never holds them.
 */
import type { Env } from './env.js';
import { ApiError } from './errors.js';

/** The value of the Worker secret `name`; null for an upstream without one, 503 when it is not configured. */
export function upstreamSecret(env: Env, name: string | null): string | null {
  if (name === null) return null;
  const value = (env as unknown as Record<string, unknown>)[name];
  if (typeof value !== 'string' || value === '')
    throw new ApiError('unavailable', `the upstream's secret ${name} is not configured`, { retryAfterSeconds: 30 });
  return value;
}
