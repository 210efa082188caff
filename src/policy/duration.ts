/**
 * @module
 * Durations (`30s`, `1m`, `10m`, `1h`, `7d`) and rates (`60/minute`) as the policy language
 * writes them.
 */

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const RATE_UNIT_MS: Record<string, number> = {
  second: 1000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
};

/** Parses `<integer><s|m|h|d>` into milliseconds; null when malformed or not positive. */
export function parseDuration(text: string): number | null {
  const m = /^([1-9][0-9]{0,6})(s|m|h|d)$/.exec(text);
  return m ? Number(m[1]) * UNIT_MS[m[2]] : null;
}

export interface RateLimit {
  count: number;
  windowMs: number;
  unit: string;
}

/** Parses `<count>/<second|minute|hour|day>`; null when malformed. */
export function parseRate(text: string): RateLimit | null {
  const m = /^([1-9][0-9]{0,8})\/(second|minute|hour|day)$/.exec(text);
  return m ? { count: Number(m[1]), windowMs: RATE_UNIT_MS[m[2]], unit: m[2] } : null;
}
