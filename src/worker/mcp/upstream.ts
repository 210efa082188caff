/**
 * @module
 * Calling an MCP upstream on an agent's behalf. Only the protocol's own headers pass from
 * the agent (Accept, Content-Type, the protocol version, `Mcp-Method`/`Mcp-Name`,
 * `Last-Event-ID`); the agent's token, cookies and everything else stay at the gateway, and
 * the upstream's secret is injected as its bearer token. The SSRF guard checks the URL and
 * every redirect. Of the answer, the client gets its status, body and protocol headers, with
 * the upstream's session id bound to the agent (see `sessions.ts`).
 */
import { EgressRefused, guardedFetch } from '../../egress/guard.js';
import type { McpUpstream } from '../../policy/model.js';
import type { AppContext } from '../env.js';
import { ApiError } from '../errors.js';
import { upstreamSecret } from '../upstream-secrets.js';
import { sessionKey, type SessionOwner, unwrapSessionId, wrapSessionId } from './sessions.js';

/** The request headers of the protocol, passed on as the agent sent them. */
const PASSED = ['accept', 'content-type', 'mcp-protocol-version', 'mcp-method', 'mcp-name', 'last-event-id'];
/** The answer's headers passed back (the session id, rewritten, apart). */
const RETURNED = ['content-type', 'cache-control', 'mcp-protocol-version'];

/** What the gateway knows of the call's session: the owner, and the upstream's own id (null before one is made). */
export interface SessionContext {
  owner: SessionOwner;
  upstreamId: string | null;
}

function key(c: AppContext): Uint8Array {
  const secret = c.env.AUDIT_DIGEST_KEY;
  if (!secret) throw new ApiError('unavailable', 'AUDIT_DIGEST_KEY is not configured', { retryAfterSeconds: 30 });
  return sessionKey(secret);
}

/** The session the agent's request names: 404 (as for any unknown session) when it was not given to this agent. */
export function sessionOf(c: AppContext, owner: SessionOwner): SessionContext {
  const presented = c.req.header('mcp-session-id');
  if (presented === undefined) return { owner, upstreamId: null };
  const upstreamId = unwrapSessionId(key(c), owner, presented);
  if (upstreamId === null) throw new ApiError('not_found', 'no such MCP session for this agent; initialize a new one');
  return { owner, upstreamId };
}

/** Sends one HTTP request to the upstream's endpoint. */
export async function callUpstream(
  c: AppContext,
  upstream: McpUpstream,
  session: SessionContext,
  init: { method: 'POST' | 'GET' | 'DELETE'; body?: string; headers?: Record<string, string> },
): Promise<Response> {
  const headers = new Headers();
  for (const name of PASSED) {
    const value = c.req.header(name);
    if (value !== undefined) headers.set(name, value);
  }
  for (const [name, value] of Object.entries(init.headers ?? {})) headers.set(name, value);
  if (session.upstreamId !== null) headers.set('mcp-session-id', session.upstreamId);
  const secret = upstreamSecret(c.env, upstream.secret);
  if (secret !== null) headers.set('authorization', `Bearer ${secret}`);
  try {
    return await guardedFetch(
      upstream.url,
      { method: init.method, headers, body: init.body, signal: c.req.raw.signal },
      { allowLoopback: c.env.LOCAL_DEVELOPMENT === 'true' },
    );
  } catch (err) {
    if (err instanceof EgressRefused) throw new ApiError('egress_refused', err.message, { cause: err });
    throw new ApiError(
      'upstream_failed',
      `the MCP upstream '${upstream.name}' did not answer: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
}

/** The headers of the answer the agent gets: the protocol's, and the session id bound to the agent. */
export function answerHeaders(c: AppContext, upstream: Response, session: SessionContext): Headers {
  const headers = new Headers();
  for (const name of RETURNED) {
    const value = upstream.headers.get(name);
    if (value !== null) headers.set(name, value);
  }
  const upstreamId = upstream.headers.get('mcp-session-id');
  if (upstreamId !== null) headers.set('mcp-session-id', wrapSessionId(key(c), session.owner, upstreamId));
  headers.set('x-tollgate-upstream', session.owner.upstream);
  return headers;
}
