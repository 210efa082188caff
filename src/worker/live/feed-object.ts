/**
 * @module
 * The `DecisionFeed` Durable Object, one per tenant: the live decisions the console shows.
 * The tenant's agents publish each decision here after it commits; the feed sends it to
 * every console socket whose filter it matches, and keeps the last few hundred for pages
 * that poll instead. Sockets use the hibernation API: an idle feed costs nothing, its
 * sockets stay open while it sleeps, and each one's filter lives in its attachment.
 * Kept apart from `TenantObject`, whose revocation checks sit on every agent call.
 */
import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env.js';
import { filterFrom, matches, type LiveEvent, type LiveFilter } from './events.js';

/** Events kept for polling pages (lost when the feed sleeps: a page then shows only what follows). */
const KEPT = 500;

/** How long after its last watcher a feed still counts as watched (a page reconnecting, or between polls). */
export const WATCHED_FOR_MS = 60_000;

export class DecisionFeed extends DurableObject<Env> {
  private recent: LiveEvent[] = [];
  private lastSeq = 0;
  /** When a page last watched (a socket opened or open, a poll, a page load); 0 for never since this instance started. */
  private watchedAt = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Keep-alives are answered without waking the feed.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('ping', 'pong'));
  }

  /** A console socket (the Worker checked the session and the origin): `?agent=&action=&decision=&code=` filter it. */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket')
      return new Response('expected a WebSocket upgrade', { status: 426 });
    this.watchedAt = Date.now();
    const [client, server] = Object.values(new WebSocketPair());
    this.ctx.acceptWebSocket(server);
    server.serializeAttachment(filterFrom(new URL(request.url).searchParams));
    return new Response(null, { status: 101, webSocket: client });
  }

  /**
   * Publishes decisions to every socket whose filter they match; numbers them as it goes.
   * Answers whether anyone watches: when nobody has for a minute, agents stop publishing for
   * a few seconds (a feed no console reads should cost the agents nothing).
   */
  publish(events: Omit<LiveEvent, 'seq'>[]): boolean {
    // Above the clock in microseconds, so numbers keep rising after the feed restarts.
    const numbered = events.map((e) => ({ seq: (this.lastSeq = Math.max(this.lastSeq + 1, Date.now() * 1000)), ...e }));
    this.recent.push(...numbered);
    if (this.recent.length > KEPT) this.recent.splice(0, this.recent.length - KEPT);
    const sockets = this.ctx.getWebSockets();
    if (sockets.length > 0) this.watchedAt = Date.now();
    for (const socket of sockets) {
      const filter = socket.deserializeAttachment() as LiveFilter;
      const shown = numbered.filter((e) => matches(filter, e));
      if (shown.length === 0) continue;
      try {
        socket.send(JSON.stringify({ events: shown }));
      } catch {
        // closing: the page reconnects and polls what it missed
      }
    }
    return Date.now() - this.watchedAt < WATCHED_FOR_MS;
  }

  /** For polling pages: the kept events after `after` that match, oldest first. */
  since(after: number, filter: LiveFilter): LiveEvent[] {
    this.watchedAt = Date.now();
    return this.recent.filter((e) => e.seq > after && matches(filter, e));
  }

  override webSocketClose(socket: WebSocket, code: number): void {
    try {
      socket.close(code === 1005 ? 1000 : code, 'closed');
    } catch {
      // already closed
    }
  }

  override webSocketError(socket: WebSocket): void {
    this.webSocketClose(socket, 1011);
  }
}

export function feedStub(env: Env, tenant: string): DurableObjectStub<DecisionFeed> {
  return env.FEEDS.get(env.FEEDS.idFromName(tenant));
}
