/**
 * @module
 * Sliding windows over event times: exact, so there is no burst at a window boundary. An
 * event at time t is inside the window before `now` when now - window < t <= now.
 */

/** Drops events that left the window, in place; returns how many remain. */
export function pruneWindow(times: number[], now: number, windowMs: number): number {
  let keep = 0;
  while (keep < times.length && times[keep] <= now - windowMs) keep++;
  if (keep > 0) times.splice(0, keep);
  return times.length;
}

/** Sum of the weights of (time, weight) events inside the window, pruning the rest. */
export function windowSum(events: [number, number][], now: number, windowMs: number): number {
  let drop = 0;
  while (drop < events.length && events[drop][0] <= now - windowMs) drop++;
  if (drop > 0) events.splice(0, drop);
  return events.reduce((sum, [, weight]) => sum + weight, 0);
}
