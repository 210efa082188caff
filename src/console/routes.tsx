/** @jsxImportSource hono/jsx */
/**
 * @module
 * The operator console at `/console`: sign-in with an operator token (exchanged for a sealed,
 * HttpOnly, SameSite=Strict session cookie), then server-rendered screens that read and act
 * through the API as that operator. Every route but sign-in and the assets needs a session
 * (without one it redirects to sign-in), and every form post needs the session's CSRF token.
 */
import { Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { decodeJwt } from 'jose';
import type { AgentView } from '../engine/state/agent-view.js';
import { authenticate } from '../worker/auth.js';
import type { AppContext } from '../worker/env.js';
import { authConfig } from '../worker/principal.js';
import { apiMessage, callApi, type ApiFetch, type ConsoleContext, type ConsoleEnv } from './api.js';
import { CONSOLE_CSS, CONSOLE_JS } from './assets.js';
import { Page, type PageProps } from './layout.js';
import { AgentState } from './screens/agent.js';
import { ApprovalList, pendingApprovals } from './screens/approvals.js';
import { AUDIT_FILTERS, AuditSearch, VerifyBadge, type AuditPage, type Verdict } from './screens/audit.js';
import { PolicyView, type PolicyReply } from './screens/policy.js';
import { csrfMatches, newSession, openSession, sealSession, SESSION_COOKIE, type ConsoleSession } from './session.js';

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

/** What a redirect may announce on the next page (codes only: no text from the URL is shown). */
const FLASHES: Record<string, string> = {
  approved: 'Approved. The agent can now claim its ticket.',
  denied: 'Denied. The agent is told at once.',
  suspended: 'Suspended: its next decision is refused.',
  resumed: 'Resumed.',
};

const nowSeconds = () => Math.floor(Date.now() / 1000);

function render(c: ConsoleContext, props: Omit<PageProps, 'session'>, status: 200 | 400 | 401 | 403 | 404 | 503 = 200) {
  const flash =
    props.flash ??
    (FLASHES[c.req.query('done') ?? ''] ? { kind: 'ok' as const, text: FLASHES[c.req.query('done')!] } : null);
  return c.html(<Page {...props} flash={flash} session={c.get('session') ?? null} />, status);
}

function sessionSecret(c: ConsoleContext): string | null {
  return c.env.AUDIT_DIGEST_KEY || null;
}

function SignInForm({ error }: { error?: string }) {
  return (
    <form method="post" action="/console/sign-in" class="signin">
      <p>Sign in with an operator token: from your identity provider, or, locally, the one `npm start` prints.</p>
      {error && (
        <p class="flash error" role="alert">
          {error}
        </p>
      )}
      <p>
        <label for="token">Operator token</label>
      </p>
      <textarea id="token" name="token" required autocomplete="off" spellcheck={false}></textarea>
      <p>
        <button type="submit">Sign in</button>
      </p>
    </form>
  );
}

export function consoleRoutes(api: ApiFetch): Hono<ConsoleEnv> {
  const app = new Hono<ConsoleEnv>();

  app.use('*', async (c, next) => {
    c.set('api', api);
    await next();
    c.header('Content-Security-Policy', CSP);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('X-Frame-Options', 'DENY');
    if (!c.res.headers.has('Cache-Control')) c.header('Cache-Control', 'no-store');
  });

  app.get('/assets/console.css', (c) => c.body(CONSOLE_CSS, 200, { 'Content-Type': 'text/css; charset=utf-8' }));
  app.get('/assets/console.js', (c) => c.body(CONSOLE_JS, 200, { 'Content-Type': 'text/javascript; charset=utf-8' }));

  app.get('/sign-in', (c) => render(c, { title: 'Sign in', children: <SignInForm /> }));

  app.post('/sign-in', async (c) => {
    const secret = sessionSecret(c);
    if (!secret)
      return render(
        c,
        {
          title: 'Sign in',
          children: <SignInForm error="The console is not configured (AUDIT_DIGEST_KEY is unset)." />,
        },
        503,
      );
    const form = await c.req.parseBody();
    const token = typeof form.token === 'string' ? form.token.trim() : '';
    let principal;
    try {
      principal = await authenticate(`Bearer ${token}`, authConfig(c as unknown as AppContext));
    } catch (err) {
      return render(
        c,
        { title: 'Sign in', children: <SignInForm error={`That token was refused: ${(err as Error).message}.`} /> },
        401,
      );
    }
    if (principal.kind !== 'operator')
      return render(
        c,
        {
          title: 'Sign in',
          children: <SignInForm error="Agent tokens can't sign in to the console: use an operator token." />,
        },
        403,
      );
    const session = newSession(token, principal, decodeJwt(token).exp ?? 0, nowSeconds());
    setCookie(c, SESSION_COOKIE, await sealSession(secret, session), {
      path: '/console',
      httpOnly: true,
      sameSite: 'Strict',
      secure: c.env.LOCAL_DEVELOPMENT !== 'true',
      maxAge: session.expires - nowSeconds(),
    });
    return c.redirect('/console', 303);
  });

  // Everything below needs a session; every form post, its CSRF token.
  app.use('*', async (c, next) => {
    const secret = sessionSecret(c);
    const session = secret ? await openSession(secret, getCookie(c, SESSION_COOKIE), nowSeconds()) : null;
    if (!session) return c.redirect('/console/sign-in', 303);
    c.set('session', session);
    if (c.req.method === 'POST') {
      const form = await c.req.parseBody();
      if (!csrfMatches(session, form._csrf))
        return render(
          c,
          {
            title: 'Refused',
            flash: {
              kind: 'error',
              text: 'This form is stale or forged (its CSRF token does not match your session). Go back and try again.',
            },
          },
          403,
        );
    }
    await next();
  });

  app.post('/sign-out', (c) => {
    deleteCookie(c, SESSION_COOKIE, { path: '/console', secure: c.env.LOCAL_DEVELOPMENT !== 'true' });
    return c.redirect('/console/sign-in', 303);
  });

  app.get('/', async (c) => {
    const [{ approvals }, policy] = await Promise.all([
      pendingApprovals(c),
      callApi<PolicyReply>(c, 'GET', '/v1/policy'),
    ]);
    return render(c, {
      title: 'Overview',
      current: '/console',
      children: (
        <dl class="facts">
          <dt>Approvals waiting</dt>
          <dd>
            <a href="/console/approvals">{approvals.length}</a>
          </dd>
          <dt>Policy in force</dt>
          <dd>
            <a href="/console/policy">
              <code>{policy.status === 200 ? policy.body.hash : 'unavailable'}</code>
            </a>
          </dd>
        </dl>
      ),
    });
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
    if (reply.status !== 200)
      return render(
        c,
        { title: 'Approvals', current: '/console/approvals', flash: { kind: 'error', text: apiMessage(reply) } },
        400,
      );
    return c.redirect(`/console/approvals?done=${verdict === 'approve' ? 'approved' : 'denied'}`, 303);
  });

  app.get('/agents', (c) => {
    const id = c.req.query('id');
    if (id) return c.redirect(`/console/agents/${encodeURIComponent(id)}`, 303);
    return render(c, {
      title: 'Agents',
      current: '/console/agents',
      children: (
        <form method="get" action="/console/agents" class="filters">
          <label>
            Agent id <input type="text" name="id" required autocomplete="off" />
          </label>
          <button type="submit">Open</button>
        </form>
      ),
    });
  });

  app.get('/agents/:id', async (c) => {
    const id = c.req.param('id');
    const reply = await callApi<AgentView>(c, 'GET', `/v1/agents/${encodeURIComponent(id)}`);
    if (reply.status !== 200)
      return render(
        c,
        { title: `Agent ${id}`, current: '/console/agents', flash: { kind: 'error', text: apiMessage(reply) } },
        404,
      );
    return render(c, {
      title: `Agent ${id}`,
      current: '/console/agents',
      children: <AgentState view={reply.body} session={c.get('session')} />,
    });
  });

  app.post('/agents/:id/:action{suspend|resume}', async (c) => {
    const id = encodeURIComponent(c.req.param('id'));
    const action = c.req.param('action') as 'suspend' | 'resume';
    const reply = await callApi(c, 'POST', `/v1/agents/${id}/${action}`);
    if (reply.status !== 200)
      return render(
        c,
        { title: 'Agents', current: '/console/agents', flash: { kind: 'error', text: apiMessage(reply) } },
        400,
      );
    return c.redirect(`/console/agents/${id}?done=${action === 'suspend' ? 'suspended' : 'resumed'}`, 303);
  });

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
    const reply = await callApi<PolicyReply>(c, 'GET', '/v1/policy');
    return render(c, {
      title: 'Policy',
      current: '/console/policy',
      children: reply.status === 200 ? <PolicyView policy={reply.body} /> : undefined,
    });
  });

  // Mounted under the Worker's app, whose not-found answers the API's JSON: the console's own.
  app.all('*', (c) =>
    render(
      c,
      { title: 'Not found', flash: { kind: 'error', text: `Nothing is at ${new URL(c.req.url).pathname}.` } },
      404,
    ),
  );
  return app;
}

export type { ConsoleSession };
