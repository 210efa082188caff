/**
 * The console's live decisions inside workerd: a decision reaches a signed-in operator's
 * socket (filtered), the polling fallback, and nobody else: not a socket opened from
 * another origin, not another tenant's operator.
 */
import { env, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { BASE, call } from './http.js';
import { agentToken, operatorToken, token } from './tokens.js';

async function sessionCookie(operator: string): Promise<string> {
  const res = await SELF.fetch(`${BASE}/console/sign-in`, {
    method: 'POST',
    body: new URLSearchParams({ token: operator }),
    redirect: 'manual',
  });
  await res.text();
  return res.headers.get('set-cookie')!.split(';')[0];
}

async function openSocket(cookie: string, query = '', origin = BASE) {
  const res = await SELF.fetch(`${BASE}/console/live/socket${query}`, {
    headers: { upgrade: 'websocket', cookie, origin, host: new URL(BASE).host },
  });
  if (!res.webSocket) return { status: res.status, messages: [] as any[], socket: null };
  const socket = res.webSocket;
  const messages: any[] = [];
  socket.addEventListener('message', (m) => {
    if (m.data !== 'pong') messages.push(...JSON.parse(m.data as string).events);
  });
  socket.accept();
  return { status: res.status, messages, socket };
}

const until = async (check: () => boolean, what: string) => {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
};

const chat = { action: 'llm.chat', resource: 'llm:openai', params: { model: 'gpt-4o-mini' }, cost: { usd: 0.01 } };

describe('live decisions', () => {
  it("a decision reaches the tenant's sockets whose filter it matches, and the polling fallback", async () => {
    const cookie = await sessionCookie(await operatorToken('ops-live'));
    const all = await openSocket(cookie);
    const denies = await openSocket(cookie, '?decision=deny');
    const mine = await openSocket(cookie, '?agent=live-*');
    expect([all.status, denies.status, mine.status]).toEqual([101, 101, 101]);

    const decided = await call('POST', '/v1/decide', { token: await agentToken('live-1', ['assistant']), body: chat });
    expect(decided.body.decision).toBe('allow');
    await until(() => all.messages.length > 0 && mine.messages.length > 0, 'the live event');
    expect(all.messages.at(-1)).toMatchObject({
      agent: 'live-1',
      action: 'llm.chat',
      resource: 'llm:openai',
      decision: 'allow',
      code: 'rule',
      decision_id: decided.body.id,
    });
    expect(all.messages.at(-1)).not.toHaveProperty('params');
    expect(denies.messages).toEqual([]);

    const polled = await SELF.fetch(`${BASE}/console/live/events?after=0&agent=live-1`, { headers: { cookie } });
    const { events } = (await polled.json()) as { events: { decision_id: string; seq: number }[] };
    expect(events.map((e) => e.decision_id)).toContain(decided.body.id);
    const after = events.at(-1)!.seq;
    const none = await SELF.fetch(`${BASE}/console/live/events?after=${after}&agent=live-1`, { headers: { cookie } });
    expect(((await none.json()) as { events: unknown[] }).events).toEqual([]);
    for (const s of [all, denies, mine]) s.socket!.close();
  });

  it('no socket without a session, from another origin, or into another tenant', async () => {
    const res = await SELF.fetch(`${BASE}/console/live/socket`, {
      headers: { upgrade: 'websocket', origin: BASE },
      redirect: 'manual',
    });
    expect(res.status).toBe(303);
    const cookie = await sessionCookie(await operatorToken('ops-live-2'));
    expect((await openSocket(cookie, '', 'https://evil.example')).status).toBe(403);

    const beta = await sessionCookie(
      await token({ sub: 'ops-beta', tenant: 'beta-live', role: 'operator', typ: 'tollgate-operator+jwt' }),
    );
    const watching = await openSocket(beta);
    const acmeWatching = await openSocket(cookie);
    expect([watching.status, acmeWatching.status]).toEqual([101, 101]);
    const acme = await call('POST', '/v1/decide', { token: await agentToken('live-2', ['assistant']), body: chat });
    expect(acme.status).toBe(200);
    await until(() => acmeWatching.messages.length > 0, "acme's own event"); // published: beta would have it by now
    const polled = await SELF.fetch(`${BASE}/console/live/events?after=0`, { headers: { cookie: beta } });
    expect(((await polled.json()) as { events: unknown[] }).events).toEqual([]);
    expect(watching.messages).toEqual([]);
    watching.socket!.close();
    acmeWatching.socket!.close();
  });

  it('a feed nobody watches says so (its agents then pause publishing); a watched one says it is watched', async () => {
    const feed = env.FEEDS.get(env.FEEDS.idFromName('quiet-co'));
    const event = {
      time: new Date().toISOString(),
      agent: 'a',
      action: 'llm.chat',
      resource: 'llm:openai',
      decision: 'allow',
      code: 'rule',
      decision_id: 'dec_0',
    };
    expect(await feed.publish([event])).toBe(false);
    expect(await feed.since(0, {})).toHaveLength(1); // a page loaded: watched from now on
    expect(await feed.publish([event])).toBe(true);
  });
});
