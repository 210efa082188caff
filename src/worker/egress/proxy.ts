/**
 * @module
 * The egress proxy, `POST /v1/proxy`: an executor presents a ticket and the HTTP call it
 * stands for. The call must fall under an `egress:` upstream (its action is
 * `egress.<name>`, its resource the URL, its params the method and the body, so the
 * decision's DLP detectors have read the body the proxy sends), the
 * ticket must match it exactly and is burned, the SSRF guard checks the URL and every
 * redirect, and the upstream's secret is injected: the agent never holds it, and neither the
 * executor's token nor its cookies are passed on. Status and size are audited.
 */
import { Hono } from 'hono';
import { EgressRefused, guardedFetch } from '../../egress/guard.js';
import type { JsonValue } from '../../lib/json.js';
import type { EgressUpstream } from '../../policy/model.js';
import { agentStub, callAgent } from '../agents.js';
import { readJsonObject } from '../body.js';
import type { AppContext, AppEnv } from '../env.js';
import { ApiError } from '../errors.js';
import { policyInfo } from '../policy-source.js';
import { executorCaller } from '../principal.js';
import { redeemTicket } from '../tickets/redeem.js';
import { upstreamSecret } from '../upstream-secrets.js';

const FIELDS = ['ticket', 'method', 'url', 'headers', 'body'];
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
/** Headers the executor may not set: credentials, routing and framing are the proxy's. */
const WITHHELD =
  /^(authorization|cookie|host|connection|content-length|transfer-encoding|te|upgrade|proxy-.*|x-forwarded-.*|forwarded|cf-.*)$/i;
/** The largest upstream response the proxy relays. */
export const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

/** The upstream whose base URL `url` is under (same origin, and its path at or below the base's). */
export function upstreamFor(url: URL, upstreams: readonly EgressUpstream[]): EgressUpstream | null {
  for (const upstream of upstreams) {
    const base = new URL(upstream.url);
    const path = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`;
    if (url.origin === base.origin && (url.pathname === base.pathname || url.pathname.startsWith(path)))
      return upstream;
  }
  return null;
}

/** What a ticket for this call binds: the action, the URL as resource, the method and the body. */
export function egressBinding(upstream: EgressUpstream, method: string, url: URL, body: string) {
  return { action: `egress.${upstream.name}`, resource: url.href, params: { method, body } };
}

function parseCall(body: Record<string, unknown>) {
  for (const key of Object.keys(body)) {
    if (!FIELDS.includes(key))
      throw new ApiError('invalid_request', `${key}: is not a known field (expected ${FIELDS.join(', ')})`);
  }
  if (typeof body.ticket !== 'string') throw new ApiError('invalid_request', 'ticket: must be a string');
  const method = typeof body.method === 'string' ? body.method.toUpperCase() : null;
  if (method === null || !METHODS.includes(method))
    throw new ApiError('invalid_request', `method: must be one of ${METHODS.join(', ')}`);
  let url: URL;
  try {
    url = new URL(String(body.url));
  } catch {
    throw new ApiError('invalid_request', 'url: must be an absolute URL');
  }
  const headers = body.headers ?? {};
  if (headers === null || typeof headers !== 'object' || Array.isArray(headers))
    throw new ApiError('invalid_request', 'headers: must be an object of strings');
  // Checked before the ticket is burned: a header the platform refuses (a line break in it) is the caller's error.
  const forwarded = new Headers();
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value !== 'string') throw new ApiError('invalid_request', `headers.${name}: must be a string`);
    if (WITHHELD.test(name)) continue;
    try {
      forwarded.set(name, value);
    } catch (err) {
      throw new ApiError('invalid_request', `headers.${name.slice(0, 64)}: is not a valid header`, { cause: err });
    }
  }
  if (body.body !== undefined && typeof body.body !== 'string')
    throw new ApiError('invalid_request', 'body: must be a string');
  if (body.body !== undefined && (method === 'GET' || method === 'HEAD'))
    throw new ApiError('invalid_request', `body: a ${method} has none`);
  return {
    ticket: body.ticket,
    method,
    url,
    headers: forwarded,
    body: (body.body as string) ?? '',
  };
}

/** The upstream's secret as the header it goes in; null for an upstream without one. */
function secretHeader(c: AppContext, upstream: EgressUpstream): [string, string] | null {
  const value = upstreamSecret(c.env, upstream.secret);
  if (value === null) return null;
  return upstream.header === null ? ['authorization', `Bearer ${value}`] : [upstream.header, value];
}

export const egressRoutes = new Hono<AppEnv>().post('/proxy', async (c) => {
  const executor = executorCaller(c, 'the egress proxy is for executor tokens (role executor)');
  const call = parseCall(await readJsonObject(c));
  const upstream = upstreamFor(call.url, policyInfo.egressUpstreams);
  if (upstream === null)
    throw new ApiError('egress_refused', `${call.url.origin} is under no egress upstream the policy declares`);
  const injected = secretHeader(c, upstream);
  const claims = await redeemTicket(c, executor, {
    ticket: call.ticket,
    ...egressBinding(upstream, call.method, call.url, call.body),
  });

  const headers = call.headers;
  if (injected) headers.set(injected[0], injected[1]);
  const started = Date.now();
  // Every forwarded call is on the agent's chain, answered or not.
  const audit = (fields: { [key: string]: JsonValue }) =>
    callAgent(() =>
      agentStub(c.env, claims.tenant, claims.sub).recordForwarded({ tenant: claims.tenant, id: claims.sub }, 'egress', {
        jti: claims.jti,
        upstream: upstream.name,
        method: call.method,
        ...fields,
        ms: Date.now() - started,
      }),
    );
  let response: Response;
  let bytes: ArrayBuffer;
  try {
    response = await guardedFetch(
      call.url,
      { method: call.method, headers, body: call.method === 'GET' || call.method === 'HEAD' ? undefined : call.body },
      { allowLoopback: c.env.LOCAL_DEVELOPMENT === 'true' },
    );
    bytes = await response.arrayBuffer();
  } catch (err) {
    const refused = err instanceof EgressRefused;
    await audit({ status: null, error: refused ? 'egress_refused' : 'upstream_failed' });
    if (refused) throw new ApiError('egress_refused', (err as Error).message, { cause: err });
    throw new ApiError('upstream_failed', `the upstream did not answer: ${(err as Error).message}`, { cause: err });
  }
  if (bytes.byteLength > MAX_RESPONSE_BYTES) {
    await audit({ status: response.status, bytes: bytes.byteLength, error: 'upstream_failed' });
    throw new ApiError('upstream_failed', `the upstream's answer is over ${MAX_RESPONSE_BYTES} bytes`);
  }
  await audit({ status: response.status, bytes: bytes.byteLength });
  const contentType = response.headers.get('content-type');
  // 204, 205 and 304 answers, and any answer to HEAD, carry no body.
  const bodyless = [204, 205, 304].includes(response.status) || call.method === 'HEAD';
  return new Response(bodyless ? null : bytes, {
    status: response.status,
    headers: { ...(contentType && { 'content-type': contentType }), 'x-tollgate-upstream': upstream.name },
  });
});
