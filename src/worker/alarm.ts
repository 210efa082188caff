/**
 * @module
 * One Durable Object alarm shared by all background work (approval expiry, the index copy,
 * webhooks, the audit flush): it fires by the earliest time any part asks for.
 */
export class Alarm {
  /** When the alarm is set for (ms), if it is. */
  private at: number | null = null;

  constructor(private readonly storage: DurableObjectStorage) {}

  /** Reads the alarm an earlier instance left, so its work is picked up again. */
  async load(): Promise<void> {
    this.at = await this.storage.getAlarm();
  }

  /** Makes sure the alarm fires by `at`: an earlier alarm is kept, a later one brought forward. */
  wake(at: number): void {
    if (this.at !== null && this.at <= at) return;
    this.at = at;
    this.storage.setAlarm(at).catch(() => (this.at = null));
  }

  /** Sets the alarm for the earliest of `dues` (null: that part has nothing to do). */
  wakeForEarliest(dues: (number | null)[]): void {
    const next = dues.filter((t): t is number => t !== null);
    if (next.length > 0) this.wake(Math.min(...next));
  }

  /** The alarm fired: until a part asks again, none is set. */
  fired(): void {
    this.at = null;
  }
}
