/**
 * @module
 * Telling a webhook about new approvals, from an outbox in the agent's Durable Object.
 * Each body is signed with HMAC-SHA256 (`X-Tollgate-Signature: t=<unix>,v1=<hex>` over
 * `<t>.<body>`); a failed delivery is retried with backoff, and no decision ever waits for
 * one: deliveries run from the object's alarm.
 */
import { toHex } from '../../lib/encoding.js';

/** Deliveries are retried after 2 s, 4 s, 8 s … at most an hour apart, 12 times at most. */
const MAX_ATTEMPTS = 12;
const MAX_BACKOFF_MS = 3_600_000;

export type WebhookFetch = (url: string, init: RequestInit) => Promise<Response>;

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, as the receiver recomputes it. */
export async function webhookSignature(secret: string, body: string, unixSeconds: number): Promise<string> {
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`${unixSeconds}.${body}`)));
  return `t=${unixSeconds},v1=${toHex(mac)}`;
}

export class WebhookOutbox {
  constructor(
    private readonly sql: SqlStorage,
    private readonly clock: () => number = Date.now,
  ) {
    sql.exec(
      'CREATE TABLE IF NOT EXISTS webhook_outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL, attempts INTEGER NOT NULL, next_at INTEGER NOT NULL)',
    );
  }

  /** Queues a delivery (synchronously, in the caller's transaction). */
  enqueue(event: object): void {
    this.sql.exec(
      'INSERT INTO webhook_outbox (body, attempts, next_at) VALUES (?, 0, ?)',
      JSON.stringify(event),
      this.clock(),
    );
  }

  /** When the next delivery is due, if any is queued. */
  nextDue(): number | null {
    return this.sql.exec<{ at: number | null }>('SELECT min(next_at) AS at FROM webhook_outbox').one().at;
  }

  /** Delivers what is due; failures are rescheduled, never thrown. */
  async deliverDue(url: string, secret: string, send: WebhookFetch): Promise<void> {
    const due = this.sql
      .exec<{ id: number; body: string; attempts: number }>(
        'SELECT id, body, attempts FROM webhook_outbox WHERE next_at <= ? ORDER BY id LIMIT 50',
        this.clock(),
      )
      .toArray();
    for (const { id, body, attempts } of due) {
      let failure: string | null = null;
      try {
        const signature = await webhookSignature(secret, body, Math.floor(this.clock() / 1000));
        const res = await send(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-tollgate-signature': signature },
          body,
        });
        if (!res.ok) failure = `answered ${res.status}`;
      } catch (err) {
        failure = (err as Error).message;
      }
      if (failure === null) {
        this.sql.exec('DELETE FROM webhook_outbox WHERE id = ?', id);
      } else if (attempts + 1 >= MAX_ATTEMPTS) {
        console.error(`approval webhook gave up after ${MAX_ATTEMPTS} attempts: ${failure}`);
        this.sql.exec('DELETE FROM webhook_outbox WHERE id = ?', id);
      } else {
        const delay = Math.min(2000 * 2 ** attempts, MAX_BACKOFF_MS);
        console.error(`approval webhook failed (attempt ${attempts + 1}), retrying in ${delay} ms: ${failure}`);
        this.sql.exec(
          'UPDATE webhook_outbox SET attempts = ?, next_at = ? WHERE id = ?',
          attempts + 1,
          this.clock() + delay,
          id,
        );
      }
    }
  }
}
