/** @jsxImportSource hono/jsx */
/**
 * @module
 * Signing in and out of the console. An operator token (never an agent's) is exchanged for
 * a sealed session cookie; a token minted as a one-time sign-in link (`once: true` with a
 * `jti`, as `npm start` prints) signs in once only. A sign-in posted from another site is
 * refused (login CSRF). Behind sign-in, every route needs a live session and every form
 * post its CSRF token; signing out ends the session on the server, not just in the browser.
 */
import type { Hono, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { decodeJwt } from 'jose';
import { authenticate } from '../worker/auth.js';
import type { AppContext } from '../worker/env.js';
import { authConfig } from '../worker/principal.js';
import { tenantStub } from '../worker/tenant-object.js';
import type { ConsoleContext, ConsoleEnv } from './api.js';
import { nowSeconds, render, renderError } from './render.js';
import { csrfMatches, newSession, openSession, sealSession, SESSION_COOKIE } from './session.js';

function SignInForm({ error }: { error?: string }) {
  return (
    <form method="post" action="/console/sign-in" class="signin">
      <p>Sign in with an operator token: from your identity provider, or, locally, the link `npm start` prints.</p>
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

const refuse = (c: ConsoleContext, error: string, status: 401 | 403 | 503) =>
  render(c, { title: 'Sign in', children: <SignInForm error={error} /> }, status);

function sessionSecret(c: ConsoleContext): string | null {
  return c.env.AUDIT_DIGEST_KEY || null;
}

/**
 * Whether a sign-in comes from the console's own page. Browsers set `Sec-Fetch-Site` (a
 * page can't forge it); older ones send `Origin`, compared with the `Host` it was sent to.
 */
function postedFromHere(c: ConsoleContext): boolean {
  const site = c.req.header('sec-fetch-site');
  if (site) return site === 'same-origin' || site === 'none';
  const origin = c.req.header('origin');
  if (!origin || origin === 'null') return origin === undefined;
  try {
    return new URL(origin).host === c.req.header('host');
  } catch {
    return false;
  }
}

const endedMark = (id: string) => `console-session-ended:${id}`;

const cookieOptions = (c: ConsoleContext) => ({ path: '/console', secure: c.env.LOCAL_DEVELOPMENT !== 'true' });

export function signInRoutes(app: Hono<ConsoleEnv>): void {
  app.get('/sign-in', (c) => render(c, { title: 'Sign in', children: <SignInForm /> }));

  app.post('/sign-in', async (c) => {
    const secret = sessionSecret(c);
    if (!secret) return refuse(c, 'The console is not configured (AUDIT_DIGEST_KEY is unset).', 503);
    if (!postedFromHere(c)) return refuse(c, 'A sign-in must come from this console’s own page.', 403);
    const form = await c.req.parseBody();
    const token = typeof form.token === 'string' ? form.token.trim() : '';
    let principal;
    try {
      principal = await authenticate(`Bearer ${token}`, authConfig(c as unknown as AppContext));
    } catch (err) {
      return refuse(c, `That token was refused: ${(err as Error).message}.`, 401);
    }
    if (principal.kind !== 'operator')
      return refuse(c, "Agent tokens can't sign in to the console: use an operator token.", 403);
    const claims = decodeJwt(token);
    if (claims.once === true) {
      const first =
        typeof claims.jti === 'string' &&
        (await tenantStub(c.env, principal.tenant).markOnce(`console-sign-in:${claims.jti}`));
      if (!first) return refuse(c, 'This sign-in link was used already: links sign in once.', 401);
    }
    const session = newSession(token, principal, claims.exp ?? 0, nowSeconds());
    setCookie(c, SESSION_COOKIE, await sealSession(secret, session), {
      ...cookieOptions(c),
      httpOnly: true,
      sameSite: 'Strict',
      maxAge: session.expires - nowSeconds(),
    });
    return c.redirect('/console', 303);
  });

  app.use('*', requireSession);

  app.post('/sign-out', async (c) => {
    const session = c.get('session');
    await tenantStub(c.env, session.tenant).markOnce(endedMark(session.id));
    deleteCookie(c, SESSION_COOKIE, cookieOptions(c));
    return c.redirect('/console/sign-in', 303);
  });
}

/** Everything behind sign-in needs a live session; every form post, its CSRF token. */
const requireSession: MiddlewareHandler<ConsoleEnv> = async (c, next) => {
  const secret = sessionSecret(c);
  const session = secret ? await openSession(secret, getCookie(c, SESSION_COOKIE), nowSeconds()) : null;
  if (!session || (await tenantStub(c.env, session.tenant).marked(endedMark(session.id))))
    return c.redirect('/console/sign-in', 303);
  c.set('session', session);
  if (c.req.method === 'POST' && !csrfMatches(session, (await c.req.parseBody())._csrf))
    return renderError(
      c,
      'Refused',
      'This form is stale or forged (its CSRF token does not match your session). Go back and try again.',
      403,
    );
  await next();
};
