/**
 * @module
 * The agent's side of the live feed: decisions are queued as their audit records are
 * written, dropped if the transaction rolls back, and published after it commits. One
 * publish is in flight at a time; what is queued meanwhile goes in the next, so a busy
 * agent sends batches, never a call per decision. When the feed says nobody watches, the
 * agent stops publishing for a few seconds: an unwatched feed costs a call every few seconds,
 * not one per decision (a page opened meanwhile sees decisions from the next publish on).
 * Publishing is never awaited by a decision: the feed is for watching, and its failure costs
 * a line on the page, not an answer.
 */
import type { JsonValue } from '../../lib/json.js';
import type { Env } from '../env.js';
import type { LiveEvent } from './events.js';
import { feedStub } from './feed-object.js';

type Unnumbered = Omit<LiveEvent, 'seq'>;

/** The most a queue holds while the feed is unreachable: the oldest go first. */
const MAX_QUEUED = 1000;
/** How long an agent stays quiet after its feed said nobody watches. */
const QUIET_MS = 5_000;

export class LivePublisher {
  private queued = new Map<string, Unnumbered[]>();
  private committed = new Map<string, Unnumbered[]>();
  private sending = false;
  /** Per tenant: until when (epoch ms) nobody is watching, as its feed last said. */
  private quietUntil = new Map<string, number>();

  constructor(
    private readonly env: Env,
    private readonly ctx: DurableObjectState,
  ) {}

  /** Queues a decision's record (inside the transaction that writes it). */
  decided(tenant: string, agent: string, time: string, fields: { [key: string]: JsonValue }): void {
    const text = (v: JsonValue | undefined) => (typeof v === 'string' ? v : '');
    const list = this.queued.get(tenant) ?? this.queued.set(tenant, []).get(tenant)!;
    list.push({
      time,
      agent,
      action: text(fields.action),
      resource: text(fields.resource),
      decision: text(fields.decision),
      code: text(fields.code),
      decision_id: text(fields.decision_id),
    });
  }

  /** The transaction rolled back: its decisions never happened. */
  rolledBack(): void {
    this.queued.clear();
  }

  /** The transaction committed: publish what it decided. */
  committedNow(): void {
    if (this.queued.size === 0) return;
    const now = Date.now();
    for (const [tenant, events] of this.queued) {
      if ((this.quietUntil.get(tenant) ?? 0) > now) continue; // nobody watches: dropped
      const list = this.committed.get(tenant) ?? this.committed.set(tenant, []).get(tenant)!;
      list.push(...events);
      if (list.length > MAX_QUEUED) list.splice(0, list.length - MAX_QUEUED);
    }
    this.queued.clear();
    if (!this.sending) this.ctx.waitUntil(this.send());
  }

  private async send(): Promise<void> {
    this.sending = true;
    try {
      while (this.committed.size > 0) {
        const batches = [...this.committed];
        this.committed.clear();
        await Promise.all(
          batches.map(([tenant, events]) =>
            feedStub(this.env, tenant)
              .publish(events)
              .then((watched) => {
                if (watched) this.quietUntil.delete(tenant);
                else this.quietUntil.set(tenant, Date.now() + QUIET_MS);
              })
              .catch((err: Error) => console.error(`publishing to the live feed failed: ${err.message}`)),
          ),
        );
      }
    } finally {
      this.sending = false;
    }
  }
}
