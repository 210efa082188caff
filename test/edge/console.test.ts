/**
 * The console's security, inside workerd against the real Worker: sessions only from operator
 * tokens, sealed HttpOnly SameSite=Strict cookies, a redirect to sign-in on every route
 * without one, CSRF on every form post, one tenant never seeing another's, expiry and sign-out.
 */
import { env, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { BASE, call } from './http.js';
import { agentToken, operatorToken, token } from './tokens.js';

async function signIn(operator: string): Promise<{ status: number; cookie: string | null; setCookie: string | null }> {
  const res = await SELF.fetch(`${BASE}/console/sign-in`, {
    method: 'POST',
    body: new URLSearchParams({ token: operator }),
    redirect: 'manual',
  });
  const setCookie = res.headers.get('set-cookie');
  await res.text();
  return { status: res.status, setCookie, cookie: setCookie ? setCookie.split(';')[0] : null };
}

async function page(cookie: string | null, path: string, form?: Record<string, string>) {
  const res = await SELF.fetch(`${BASE}${path}`, {
    method: form ? 'POST' : 'GET',
    headers: cookie ? { cookie } : {},
    body: form ? new URLSearchParams(form) : undefined,
    redirect: 'manual',
  });
  return { status: res.status, location: res.headers.get('location'), html: await res.text(), headers: res.headers };
}

/** The CSRF token a page's forms carry. */
const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1];

describe('the console', () => {
  it('without a session, every console route redirects to sign-in', async () => {
    const gets = [
      '/console',
      '/console/approvals',
      '/console/approvals/list',
      '/console/agents',
      '/console/agents/a1',
      '/console/audit',
      '/console/audit/verify?agent=a1',
      '/console/audit/export?format=csv',
      '/console/policy',
      '/console/anything',
    ];
    const posts = ['/console/approvals/apr_x_YQ/approve', '/console/agents/a1/suspend', '/console/sign-out'];
    for (const path of gets)
      expect(await page(null, path), path).toMatchObject({ status: 303, location: '/console/sign-in' });
    for (const path of posts)
      expect(await page(null, path, { _csrf: 'x' }), path).toMatchObject({ status: 303, location: '/console/sign-in' });
    // A cookie that is not a session (edited, or from elsewhere) is no session either.
    const { cookie } = await signIn(await operatorToken());
    const edited = cookie!.replace(/.(.)$/, (_, last) => `.${last === 'A' ? 'B' : 'A'}`);
    expect(await page(edited, '/console/approvals')).toMatchObject({ status: 303, location: '/console/sign-in' });
    expect(await page('tollgate_console=garbage', '/console')).toMatchObject({ status: 303 });
  });

  it('an operator token signs in: a sealed, HttpOnly, SameSite=Strict cookie for /console only', async () => {
    const operator = await operatorToken('ops-cookie');
    const { status, setCookie, cookie } = await signIn(operator);
    expect(status).toBe(303);
    expect(setCookie).toMatch(/^tollgate_console=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+;/);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).toMatch(/Path=\/console/);
    expect(setCookie).not.toContain(operator.split('.')[1]); // the token is sealed, not readable
    const home = await page(cookie, '/console');
    expect(home.status).toBe(200);
    expect(home.html).toContain('ops-cookie');
    expect(home.headers.get('content-security-policy')).toMatch(/default-src 'self'.*script-src 'self'/);
    expect(home.headers.get('content-security-policy')).not.toContain('unsafe-inline');
    // Outside local development the cookie is Secure too.
    const { default: worker } = await import('../../src/worker/index.js');
    const res = await worker.fetch(
      new Request(`${BASE}/console/sign-in`, { method: 'POST', body: new URLSearchParams({ token: operator }) }),
      { ...env, LOCAL_DEVELOPMENT: undefined },
    );
    expect(res.headers.get('set-cookie')).toMatch(/; Secure/);
  });

  it("an agent token can't sign in, nor can a forged or expired one", async () => {
    const agent = await signIn(await agentToken('a-signin', ['engineer']));
    expect(agent).toMatchObject({ status: 403, setCookie: null });
    const forged = await signIn(`${(await operatorToken()).slice(0, -4)}AAAA`);
    expect(forged).toMatchObject({ status: 401, setCookie: null });
    const expired = await signIn(
      await token({
        sub: 'ops-old',
        role: 'operator',
        typ: 'tollgate-operator+jwt',
        exp: Math.floor(Date.now() / 1000) - 60,
      }),
    );
    expect(expired).toMatchObject({ status: 401, setCookie: null });
  });

  it('a form post without the CSRF token, or with another session’s, gets 403 and does nothing', async () => {
    const { cookie } = await signIn(await operatorToken('ops-csrf'));
    const other = await signIn(await operatorToken('ops-other'));
    const otherCsrf = csrfOf((await page(other.cookie, '/console')).html);
    for (const form of [{}, { _csrf: '' }, { _csrf: otherCsrf }] as Record<string, string>[]) {
      const res = await page(cookie, '/console/agents/csrf-target/suspend', form);
      expect(res.status).toBe(403);
    }
    const state = await call('GET', '/v1/agents/csrf-target', { token: await operatorToken() });
    expect(state.body.suspended).toBe(false);
    // With the session's own token, the same post acts, through the API.
    const csrf = csrfOf((await page(cookie, '/console')).html);
    expect(await page(cookie, '/console/agents/csrf-target/suspend', { _csrf: csrf })).toMatchObject({ status: 303 });
    expect((await call('GET', '/v1/agents/csrf-target', { token: await operatorToken() })).body.suspended).toBe(true);
  });

  it("a session from tenant A shows nothing of tenant B, and can't act on it", async () => {
    const betaAgent = await token({ sub: 'beta-payer', tenant: 'beta', roles: ['finance'] });
    const asked = await call('POST', '/v1/decide', {
      token: betaAgent,
      body: {
        action: 'payments.send',
        resource: 'vendor:acme-cloud',
        params: { amount_usd: 250, vendor: 'acme-cloud' },
      },
    });
    expect(asked.body.decision).toBe('require_approval');
    const approval = asked.body.approval.id as string;
    await call('POST', '/v1/agents/beta-payer/suspend', {
      token: await token({ sub: 'ops-b', tenant: 'beta', role: 'operator', typ: 'tollgate-operator+jwt' }),
    });

    const { cookie } = await signIn(await operatorToken('ops-acme'));
    const inbox = await page(cookie, '/console/approvals');
    expect(inbox.status).toBe(200);
    expect(inbox.html).not.toContain(approval);
    expect(inbox.html).not.toContain('beta-payer');
    const agentPage = await page(cookie, '/console/agents/beta-payer');
    expect(agentPage.html).not.toContain('suspended'); // tenant acme's (unknown) agent of that name, not beta's
    const csrf = csrfOf(inbox.html);
    const approve = await page(cookie, `/console/approvals/${approval}/approve`, { _csrf: csrf });
    expect(approve.status).toBe(400);
    const still = await call('GET', `/v1/approvals/${approval}`, { token: betaAgent });
    expect(still.body.approval.status).toBe('pending');
  });

  it('the session expires with its token, and sign-out clears the cookie', async () => {
    const shortLived = await token({
      sub: 'ops-brief',
      role: 'operator',
      typ: 'tollgate-operator+jwt',
      exp: Math.floor(Date.now() / 1000) + 2,
    });
    const { cookie, setCookie } = await signIn(shortLived);
    expect(setCookie).toMatch(/Max-Age=[12];/);
    expect((await page(cookie, '/console')).status).toBe(200);
    await new Promise((r) => setTimeout(r, 2100));
    expect(await page(cookie, '/console')).toMatchObject({ status: 303, location: '/console/sign-in' });

    const session = await signIn(await operatorToken('ops-leaving'));
    const csrf = csrfOf((await page(session.cookie, '/console')).html);
    const out = await page(session.cookie, '/console/sign-out', { _csrf: csrf });
    expect(out).toMatchObject({ status: 303, location: '/console/sign-in' });
    expect(out.headers.get('set-cookie')).toMatch(/^tollgate_console=; Max-Age=0; Path=\/console/);
    // The signed-out cookie, kept and replayed, opens nothing: the session ended on the server.
    expect(await page(session.cookie, '/console')).toMatchObject({ status: 303, location: '/console/sign-in' });
  });

  it('a sign-in posted from another site is refused (login CSRF)', async () => {
    const operator = await operatorToken('ops-lured');
    const lures: Record<string, string>[] = [
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
      { origin: 'https://evil.example', host: 'tollgate.test' },
      { origin: 'null' },
    ];
    for (const headers of lures) {
      const res = await SELF.fetch(`${BASE}/console/sign-in`, {
        method: 'POST',
        headers,
        body: new URLSearchParams({ token: operator }),
        redirect: 'manual',
      });
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(res.headers.get('set-cookie')).toBeNull();
    }
    const here = await SELF.fetch(`${BASE}/console/sign-in`, {
      method: 'POST',
      headers: { 'sec-fetch-site': 'same-origin', origin: BASE },
      body: new URLSearchParams({ token: operator }),
      redirect: 'manual',
    });
    expect(here.status).toBe(303);
  });

  it('a one-time sign-in link signs in once', async () => {
    const link = await token({
      sub: 'ops-link',
      role: 'operator',
      typ: 'tollgate-operator+jwt',
      once: true,
      jti: crypto.randomUUID(),
    });
    expect(await signIn(link)).toMatchObject({ status: 303 });
    const again = await signIn(link);
    expect(again).toMatchObject({ status: 401, setCookie: null });
    const noJti = await token({ sub: 'ops-link', role: 'operator', typ: 'tollgate-operator+jwt', once: true });
    expect(await signIn(noJti)).toMatchObject({ status: 401, setCookie: null });
  });
});
