/** @jsxImportSource hono/jsx */
/**
 * @module
 * The live decisions routes: the page, its WebSocket (handed to the tenant's `DecisionFeed`
 * once the session and the page's origin are checked: a socket opened from another site
 * carries the cookie too), and the polling fallback's JSON.
 */
import type { Hono } from 'hono';
import { filterFrom } from '../worker/live/events.js';
import { feedStub } from '../worker/live/feed-object.js';
import type { ConsoleEnv } from './api.js';
import { render, renderError } from './render.js';
import { LiveDecisions } from './screens/live.js';

/** The filter's own query string (`?agent=…`), or nothing. */
function filterQuery(query: URLSearchParams): string {
  const kept = new URLSearchParams();
  for (const [field, value] of Object.entries(filterFrom(query))) kept.set(field, value);
  return kept.size > 0 ? `?${kept}` : '';
}

export function liveRoutes(app: Hono<ConsoleEnv>): void {
  app.get('/live', async (c) => {
    const query = new URL(c.req.url).searchParams;
    const filter = filterFrom(query);
    const events = await feedStub(c.env, c.get('session').tenant)
      .since(0, filter)
      .catch(() => []);
    return render(c, {
      title: 'Live decisions',
      current: '/console/live',
      children: <LiveDecisions filter={filter} events={events.slice(-200)} query={filterQuery(query)} />,
    });
  });

  app.get('/live/socket', async (c) => {
    const origin = c.req.header('origin');
    let sameOrigin = false;
    try {
      sameOrigin = origin !== undefined && new URL(origin).host === c.req.header('host');
    } catch {
      // not a URL: refused below
    }
    if (!sameOrigin) return renderError(c, 'Refused', 'A live socket must be opened from this console.', 403);
    if (c.req.header('upgrade')?.toLowerCase() !== 'websocket')
      return renderError(c, 'Live decisions', 'This address takes a WebSocket.', 400);
    const url = new URL(`https://feed/socket${filterQuery(new URL(c.req.url).searchParams)}`);
    return feedStub(c.env, c.get('session').tenant).fetch(url, { headers: { upgrade: 'websocket' } });
  });

  app.get('/live/events', async (c) => {
    const query = new URL(c.req.url).searchParams;
    const after = Number(query.get('after') ?? 0);
    const events = await feedStub(c.env, c.get('session').tenant).since(
      Number.isFinite(after) ? after : 0,
      filterFrom(query),
    );
    return c.json({ events });
  });
}
