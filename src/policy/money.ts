/**
 * @module
 * Money as integer micro-dollars, so that sums never drift (DESIGN §2). The API speaks
 * decimal dollars with at most 6 decimals; everything that adds or compares works in
 * micro-dollars, which stay exact integers up to about nine billion dollars.
 */

export const MICROS_PER_USD = 1_000_000;
/** The most dollars an amount may hold and stay an exact integer in micro-dollars. */
export const MAX_USD = Math.floor(Number.MAX_SAFE_INTEGER / MICROS_PER_USD);

/** Dollars as micro-dollars; null when not a finite amount in [0, MAX_USD] with at most 6 decimals. */
export function toMicros(usd: number): number | null {
  if (typeof usd !== 'number' || !Number.isFinite(usd) || usd < 0 || usd > MAX_USD) return null;
  const micros = Math.round(usd * MICROS_PER_USD);
  // A decimal with at most 6 places is the double nearest micros / 1e6; anything finer is not.
  return micros / MICROS_PER_USD === usd ? micros : null;
}

/** Micro-dollars as dollars, for the API. */
export function toUsd(micros: number): number {
  return micros / MICROS_PER_USD;
}
