/**
 * @module
 * The Hono app: authentication, the routes of the edge API, and one error shape.
 */
import { Hono } from 'hono';
import { requestId } from 'hono/request-id';
import { decodeBundle } from '../policy/bundle/decode.js';
import { bundleHash } from '../policy/compile.js';
import { requestProblem } from '../policy/request-check.js';
import { outcomeProblem, type EngineRequest, type OutcomeReport } from '../engine/stateful-engine.js';
import { agentStub, callAgent } from './agents.js';
import type { DelegatedScope } from './delegation/spend.js';
import { authenticate, type AuthConfig, type Principal } from './auth.js';
import { readJsonObject } from './body.js';
import { ApiError, errorResponse } from './errors.js';
import type { AppContext, Env, Variables } from './env.js';
import { openApiDocument } from './openapi.js';
import { introspect } from './tickets/introspect.js';
import { publicJwks, signingKey } from './keys.js';
import { redeemTicket } from './tickets/redeem.js';
import { auditRoutes } from './audit/routes.js';
import { approvalRoutes } from './approvals/routes.js';
import { assertNotRevoked, delegationRoutes } from './delegation/routes.js';
import { POLICY_BUNDLE, POLICY_VERSION } from './policy-source.js';
import { signBundle, type SignedBundle } from '../tokens/signed-bundle.js';

const MAX_BATCH = 100;
const policyInfo = decodeBundle(POLICY_BUNDLE);
const policyHash = bundleHash(POLICY_BUNDLE);

let signed: Promise<SignedBundle> | null = null;

/** The auth config, parsed once per distinct configuration (so its key set and token cache persist). */
let currentAuth: { source: string; config: AuthConfig } | null = null;

function authConfig(c: AppContext): AuthConfig {
  const { AUTH_JWKS, AUTH_ISSUER, AUTH_AUDIENCE, TICKET_SIGNING_JWK, RETIRED_JWKS, TICKET_ISSUER } = c.env;
  const source = [AUTH_JWKS, AUTH_ISSUER, AUTH_AUDIENCE, TICKET_SIGNING_JWK, RETIRED_JWKS, TICKET_ISSUER].join('\u0000');
  if (currentAuth?.source === source) return currentAuth.config;
  try {
    const tollgate = { jwks: publicJwks(c.env), issuer: TICKET_ISSUER };
    currentAuth = { source, config: { jwks: JSON.parse(AUTH_JWKS), issuer: AUTH_ISSUER, audience: AUTH_AUDIENCE, tollgate } };
    return currentAuth.config;
  } catch {
    throw new ApiError('unavailable', 'the server has no valid AUTH_JWKS configured', 30);
  }
}

async function principal(c: AppContext): Promise<Principal> {
  return authenticate(c.req.header('authorization'), authConfig(c));
}

async function agentPrincipal(c: AppContext): Promise<Extract<Principal, { kind: 'agent' }>> {
  const p = await principal(c);
  if (p.kind !== 'agent') throw new ApiError('forbidden', 'this route is for agent tokens');
  return p;
}

async function operatorPrincipal(c: AppContext): Promise<Extract<Principal, { kind: 'operator' }>> {
  const p = await principal(c);
  if (p.kind !== 'operator') throw new ApiError('forbidden', 'this route is for operator tokens');
  return p;
}

/** A decision request from a body: the agent comes from the token, never from the body. */
function engineRequest(body: unknown, agent: Extract<Principal, { kind: 'agent' }>, field: string): EngineRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new ApiError('invalid_request', `${field}: must be a json object`);
  for (const key of ['agent', 'facts', 'delegation']) {
    if (key in body) throw new ApiError('invalid_request', `${field}.${key}: is not a known field (the agent and its delegation come from the token)`);
  }
  const request = { ...(body as object), agent: { id: agent.id, tenant: agent.tenant, roles: agent.roles } } as EngineRequest;
  // Every agent stands in a chain: its own token makes it the root (depth 0) of its own.
  const d = agent.delegation;
  request.delegation = d ? { depth: d.depth, root: d.root, chain: d.chain } : { depth: 0, root: agent.id, chain: [] };
  const problem = requestProblem(request);
  if (problem !== null) throw new ApiError('invalid_request', field === 'body' ? problem : `${field}.${problem}`);
  return request;
}

/** What bounds a delegated agent's decisions in its object; undefined for an agent on its own token. */
function delegatedScope(agent: Extract<Principal, { kind: 'agent' }>): DelegatedScope | undefined {
  return agent.delegation ? { links: agent.delegation.links, trustCeiling: agent.delegation.trustCeiling } : undefined;
}

export function createApp(): Hono<{ Bindings: Env; Variables: Variables }> {
  const app = new Hono<{ Bindings: Env; Variables: Variables }>();
  app.use(requestId({ headerName: 'X-Request-Id' }));

  app.get('/healthz', (c) => c.json({ ok: true, policy: { hash: policyHash } }));
  app.get('/openapi.json', (c) => c.json(openApiDocument()));
  // The benchmark's baseline: the same Worker reading and answering JSON, nothing else.
  // Only served when the ECHO_ROUTE variable is "on" (npm run bench:edge sets it).
  app.post('/v1/echo', async (c) => {
    if (c.env.ECHO_ROUTE !== 'on') throw new ApiError('not_found', 'no route POST /v1/echo; the routes are listed at /openapi.json');
    return c.json(await readJsonObject(c));
  });

  app.post('/v1/decide', async (c) => {
    const agent = await agentPrincipal(c);
    const request = engineRequest(await readJsonObject(c), agent, 'body');
    await assertNotRevoked(c.env, agent);
    return c.json(await callAgent(() => agentStub(c.env, agent.tenant, agent.id).decide(request, c.get('requestId'), delegatedScope(agent))));
  });

  app.post('/v1/decide/batch', async (c) => {
    const agent = await agentPrincipal(c);
    const body = await readJsonObject(c);
    const requests = body.requests;
    if (!Array.isArray(requests) || requests.length === 0 || requests.length > MAX_BATCH) {
      throw new ApiError('invalid_request', `requests: must be an array of 1 to ${MAX_BATCH} decision requests`);
    }
    const checked = requests.map((r, i) => engineRequest(r, agent, `requests[${i}]`));
    await assertNotRevoked(c.env, agent);
    return c.json({ results: await callAgent(() => agentStub(c.env, agent.tenant, agent.id).decideBatch(checked, c.get('requestId'), delegatedScope(agent))) });
  });

  app.post('/v1/outcomes', async (c) => {
    const agent = await agentPrincipal(c);
    const body = await readJsonObject(c);
    for (const key of Object.keys(body)) if (key !== 'outcome' && key !== 'cost') throw new ApiError('invalid_request', `${key}: is not a known field (expected outcome, cost)`);
    const report = { agent: { id: agent.id, tenant: agent.tenant }, outcome: body.outcome, cost: body.cost } as OutcomeReport;
    const problem = outcomeProblem(report);
    if (problem !== null) throw new ApiError('invalid_request', problem);
    return c.json(await callAgent(() => agentStub(c.env, agent.tenant, agent.id).outcome(report)));
  });

  app.get('/v1/agents/:id', async (c) => {
    const p = await principal(c);
    const id = c.req.param('id');
    if (p.kind === 'agent' && p.id !== id) throw new ApiError('forbidden', 'an agent can only read its own state');
    return c.json(await callAgent(() => agentStub(c.env, p.tenant, id).state({ id, tenant: p.tenant })));
  });

  for (const action of ['suspend', 'resume'] as const) {
    app.post(`/v1/agents/:id/${action}`, async (c) => {
      const operator = await operatorPrincipal(c);
      const id = c.req.param('id');
      return c.json(await callAgent(() => agentStub(c.env, operator.tenant, id).setKilled({ id, tenant: operator.tenant }, action === 'suspend', operator.id)));
    });
  }

  app.get('/v1/policy', async (c) => {
    await principal(c);
    return c.json({
      hash: policyHash,
      mode: policyInfo.mode,
      registry: policyInfo.registry,
      rules: policyInfo.rules.map((r) => ({ id: r.id, effect: r.effect, mode: r.mode ?? policyInfo.mode, reason: r.reason })),
    });
  });

  app.get('/v1/policy/bundle', async (c) => {
    await principal(c);
    const key = signingKey(c.env, 'BUNDLE_SIGNING_JWK');
    if (!key) throw new ApiError('unavailable', 'bundle signing is not configured (BUNDLE_SIGNING_JWK)', 30);
    signed ??= signBundle(POLICY_BUNDLE, POLICY_VERSION, key);
    return c.json(await signed);
  });

  // The public keys that verify what Tollgate signs.
  app.get('/.well-known/jwks.json', (c) => c.json(publicJwks(c.env)));

  app.post('/v1/tickets/redeem', async (c) => redeemTicket(c, await agentPrincipal(c)));
  auditRoutes(app, operatorPrincipal);
  approvalRoutes(app, principal);
  delegationRoutes(app, { principal, maxDepth: policyInfo.delegation.maxDepth });
  app.post('/v1/introspect', async (c) => introspect(c, await principal(c), authConfig(c)));

  app.notFound((c) => errorResponse(c, new ApiError('not_found', `no route ${c.req.method} ${new URL(c.req.url).pathname}; the routes are listed at /openapi.json`)));
  app.onError((err, c) => {
    if (err instanceof ApiError) return errorResponse(c, err);
    console.error(`request ${c.get('requestId')} failed: ${err.message}`);
    return errorResponse(c, new ApiError('internal', 'internal error'));
  });
  return app;
}
