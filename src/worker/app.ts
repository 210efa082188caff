/**
 * @module
 * The Hono app: the public routes, then the `authenticated` middleware in front of every
 * other `/v1` route, the route groups mounted as sub-apps, and one error shape.
 */
import { Hono } from 'hono';
import { requestId } from 'hono/request-id';
import { consoleRoutes } from '../console/routes.js';
import { approvalRoutes } from './approvals/routes.js';
import { auditRoutes } from './audit/routes.js';
import { readJsonObject } from './body.js';
import { delegationRoutes } from './delegation/routes.js';
import { egressRoutes } from './egress/proxy.js';
import type { AppEnv } from './env.js';
import { ApiError, errorResponse, toApiError } from './errors.js';
import { publicJwks } from './keys.js';
import { askToolStanding } from './mcp/catalog.js';
import { mcpRoutes } from './mcp/gateway.js';
import { pinRoutes } from './mcp/pin-routes.js';
import { openApiDocument } from './openapi.js';
import { policyHash } from './policy-source.js';
import { authenticated } from './principal.js';
import { agentRoutes } from './routes/agents.js';
import { decideRoutes } from './routes/decide.js';
import { outcomeRoutes } from './routes/outcomes.js';
import { policyRoutes } from './routes/policy.js';
import { tenantRoutes } from './routes/tenant.js';
import { ticketRoutes } from './tickets/routes.js';

export function createApp(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(requestId({ headerName: 'X-Request-Id' }));

  // Public: health, the API's description, and the keys that verify what Tollgate signs.
  app.get('/healthz', (c) => c.json({ ok: true, policy: { hash: policyHash } }));
  app.get('/openapi.json', (c) => c.json(openApiDocument()));
  app.get('/.well-known/jwks.json', (c) => c.json(publicJwks(c.env)));
  // The benchmark's baseline: the same Worker reading and answering JSON, nothing else.
  // Only served when the ECHO_ROUTE variable is "on" (npm run bench:edge sets it).
  app.post('/v1/echo', async (c) => {
    if (c.env.ECHO_ROUTE !== 'on')
      throw new ApiError('not_found', 'no route POST /v1/echo; the routes are listed at /openapi.json');
    return c.json(await readJsonObject(c));
  });

  // The operators' console: its own sign-in and sessions, acting through this same app.
  app.route(
    '/console',
    consoleRoutes((request, env, ctx) => app.fetch(request, env, ctx)),
  );

  // Everything else under /v1, and the MCP gateway, knows who is calling, and that nothing revoked them.
  app.use('/v1/*', authenticated);
  // A gateway tools/call's tool standing is asked in the same round trip as its caller's.
  app.use('/mcp/:upstream', askToolStanding);
  app.use('/mcp/*', authenticated);
  app.route('/', mcpRoutes);
  for (const routes of [
    decideRoutes,
    outcomeRoutes,
    agentRoutes,
    policyRoutes,
    ticketRoutes,
    auditRoutes,
    approvalRoutes,
    delegationRoutes,
    egressRoutes,
    pinRoutes,
    tenantRoutes,
  ])
    app.route('/v1', routes);

  app.notFound((c) =>
    errorResponse(
      c,
      new ApiError(
        'not_found',
        `no route ${c.req.method} ${new URL(c.req.url).pathname}; the routes are listed at /openapi.json`,
      ),
    ),
  );
  app.onError((err, c) => {
    const apiError = toApiError(err);
    if (apiError.code === 'internal') console.error(`request ${c.get('requestId')} failed: ${err.message}`);
    return errorResponse(c, apiError);
  });
  return app;
}
