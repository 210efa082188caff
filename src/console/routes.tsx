/** @jsxImportSource hono/jsx */
/**
 * @module
 * The operator console at `/console`: the security headers and assets, sign-in
 * (`sign-in.tsx`), then server-rendered screens that read and act through the API as the
 * signed-in operator: the overview, approvals, live decisions (`live-routes.tsx`), agents
 * (`agent-routes.tsx`), audit and policy, and the console's own 404.
 */
import { Hono } from 'hono';
import type { InventoryRow } from '../worker/audit/inventory.js';
import type { AuditSummary } from '../worker/audit/summary.js';
import type { TenantView } from '../worker/routes/tenant.js';
import type { ShadowFlips } from '../worker/routes/shadow-flips.js';
import { agentRoutes } from './agent-routes.js';
import { apiMessage, callApi, type ApiFetch, type ConsoleEnv } from './api.js';
import { CONSOLE_CSS } from './assets.js';
import { CONSOLE_JS } from './script.js';
import { liveRoutes } from './live-routes.js';
import { render, renderError } from './render.js';
import { ApprovalList, pendingApprovals } from './screens/approvals.js';
import { AUDIT_FILTERS, AuditSearch, VerifyBadge, type AuditPage, type Verdict } from './screens/audit.js';
import { Overview, type OverviewData } from './screens/overview.js';
import { PolicyView, type PolicyReply } from './screens/policy.js';
import { signInRoutes } from './sign-in.js';

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "object-src 'none'",
].join('; ');

export function consoleRoutes(api: ApiFetch): Hono<ConsoleEnv> {
  const app = new Hono<ConsoleEnv>();

  app.use('*', async (c, next) => {
    c.set('api', api);
    await next();
    if (c.res.status === 101) return; // a WebSocket: its headers are the feed's
    c.header('Content-Security-Policy', CSP);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('X-Frame-Options', 'DENY');
    if (!c.res.headers.has('Cache-Control')) c.header('Cache-Control', 'no-store');
  });

  app.get('/assets/console.css', (c) => c.body(CONSOLE_CSS, 200, { 'Content-Type': 'text/css; charset=utf-8' }));
  app.get('/assets/console.js', (c) => c.body(CONSOLE_JS, 200, { 'Content-Type': 'text/javascript; charset=utf-8' }));

  signInRoutes(app);

  app.get('/', async (c) => {
    const [{ approvals }, policy, summary, inventory, tenant] = await Promise.all([
      pendingApprovals(c),
      callApi<PolicyReply>(c, 'GET', '/v1/policy'),
      callApi<AuditSummary>(c, 'GET', '/v1/audit/summary?minutes=60'),
      callApi<{ agents: InventoryRow[] }>(c, 'GET', '/v1/agents?limit=500'),
      callApi<TenantView>(c, 'GET', '/v1/tenant'),
    ]);
    const data: OverviewData = {
      summary: summary.status === 200 ? summary.body : null,
      agents: inventory.status === 200 ? inventory.body.agents : [],
      tenant: tenant.status === 200 ? tenant.body : null,
      approvalsWaiting: approvals.length,
      policyHash: policy.status === 200 ? policy.body.hash : null,
    };
    return render(c, { title: 'Overview', current: '/console', children: <Overview data={data} /> });
  });

  app.get('/approvals', async (c) => {
    const { approvals, trust } = await pendingApprovals(c);
    return render(c, {
      title: 'Approvals',
      current: '/console/approvals',
      children: (
        <section data-live="/console/approvals/list" aria-live="polite">
          <ApprovalList approvals={approvals} trust={trust} session={c.get('session')} now={Date.now()} />
        </section>
      ),
    });
  });

  app.get('/approvals/list', async (c) => {
    const { approvals, trust } = await pendingApprovals(c);
    return c.html(<ApprovalList approvals={approvals} trust={trust} session={c.get('session')} now={Date.now()} />);
  });

  app.post('/approvals/:id/:verdict{approve|deny}', async (c) => {
    const verdict = c.req.param('verdict') as 'approve' | 'deny';
    const note = (await c.req.parseBody()).note;
    const body = typeof note === 'string' && note.trim() ? { note: note.trim() } : {};
    const reply = await callApi(c, 'POST', `/v1/approvals/${encodeURIComponent(c.req.param('id'))}/${verdict}`, body);
    if (reply.status !== 200) return renderError(c, 'Approvals', apiMessage(reply), 400, '/console/approvals');
    return c.redirect(`/console/approvals?done=${verdict === 'approve' ? 'approved' : 'denied'}`, 303);
  });

  agentRoutes(app);
  liveRoutes(app);

  app.get('/audit', async (c) => {
    const query = new URLSearchParams();
    for (const name of [...AUDIT_FILTERS, 'cursor']) {
      const value = c.req.query(name);
      if (value) query.set(name, value);
    }
    const reply = await callApi<AuditPage>(c, 'GET', `/v1/audit?${query}`);
    return render(c, {
      title: 'Audit',
      current: '/console/audit',
      children: (
        <AuditSearch
          query={query}
          page={reply.status === 200 ? reply.body : null}
          error={reply.status === 200 ? null : apiMessage(reply)}
        />
      ),
    });
  });

  app.get('/audit/export', async (c) => {
    const query = new URLSearchParams(new URL(c.req.url).search);
    const res = await c.get('api')(
      new Request(new URL(`/v1/audit/export?${query}`, c.req.url), {
        headers: { authorization: `Bearer ${c.get('session').token}` },
      }),
      c.env,
      c.executionCtx,
    );
    return new Response(res.body, { status: res.status, headers: res.headers });
  });

  app.get('/audit/verify', async (c) => {
    const agent = c.req.query('agent') ?? '';
    const reply = await callApi<Verdict>(c, 'GET', `/v1/audit/verify?agent=${encodeURIComponent(agent)}`);
    return render(
      c,
      {
        title: 'Audit',
        current: '/console/audit',
        flash: reply.status === 200 ? null : { kind: 'error', text: apiMessage(reply) },
        children: reply.status === 200 ? <VerifyBadge agent={agent} verdict={reply.body} /> : undefined,
      },
      reply.status === 200 ? 200 : 400,
    );
  });

  app.get('/policy', async (c) => {
    const [reply, flips] = await Promise.all([
      callApi<PolicyReply>(c, 'GET', '/v1/policy'),
      callApi<ShadowFlips>(c, 'GET', '/v1/policy/shadow'),
    ]);
    return render(c, {
      title: 'Policy',
      current: '/console/policy',
      children:
        reply.status === 200 ? (
          <PolicyView policy={reply.body} flips={flips.status === 200 ? flips.body : null} />
        ) : undefined,
    });
  });

  // Mounted under the Worker's app, whose not-found answers the API's JSON: the console's own.
  app.all('*', (c) => renderError(c, 'Not found', `Nothing is at ${new URL(c.req.url).pathname}.`, 404));
  return app;
}
