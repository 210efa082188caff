/**
 * @module
 * The console stands on the API: every screen reads, and every form acts, through the edge's
 * own routes, in process, with the signed-in operator's token. So each action is checked,
 * scoped to the operator's tenant, and audited exactly as the same call over HTTP would be.
 */
import type { Context, ExecutionContext } from 'hono';
import type { Env, Variables } from '../worker/env.js';
import type { ConsoleSession } from './session.js';

/** How the console reaches the API: the Worker's own fetch. */
export type ApiFetch = (request: Request, env: Env, ctx: ExecutionContext) => Response | Promise<Response>;

export type ConsoleEnv = {
  Bindings: Env;
  Variables: Variables & { session: ConsoleSession; api: ApiFetch };
};
export type ConsoleContext = Context<ConsoleEnv>;

export interface ApiReply<T> {
  status: number;
  body: T;
}

/** Calls the API as the session's operator; a JSON reply (or an error body) comes back parsed. */
export async function callApi<T = unknown>(
  c: ConsoleContext,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<ApiReply<T>> {
  const headers: Record<string, string> = { authorization: `Bearer ${c.get('session').token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const request = new Request(new URL(path, c.req.url), {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const res = await c.get('api')(request, c.env, c.executionCtx);
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // an export: text as it is
  }
  return { status: res.status, body: parsed as T };
}

/** The API's error message in a reply that is not 2xx. */
export function apiMessage(reply: ApiReply<unknown>): string {
  const error = (reply.body as { error?: { message?: string } } | null)?.error;
  return error?.message ?? `the API answered ${reply.status}`;
}
