/**
 * @module
 * Reference DLP detectors, written as plain regular expressions. The WASM scanners
 * implement the same patterns by hand; the differential tests hold them equal.
 * Whitespace means space, tab, CR and LF only. Every pattern is ASCII, so any
 * non-ASCII character acts as a boundary.
 */
import type { Detector } from '../model.js';

const PATTERNS: Record<Detector, RegExp> = {
  // No boundaries: a key glued to other text is still a key.
  aws_key: /(?:AKIA|ASIA)[A-Z0-9]{16}/g,
  openai_key: /(?<![A-Za-z0-9_-])sk-(?!ant-)[A-Za-z0-9_-]{20,}/g,
  anthropic_key: /(?<![A-Za-z0-9_-])sk-ant-[A-Za-z0-9_-]{20,}/g,
  github_token: /(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})/g,
  // PEM (RSA, EC, DSA, ENCRYPTED, OPENSSH), PGP (`... PRIVATE KEY BLOCK-----`) and SSH2 (`---- BEGIN ... ----`).
  private_key:
    /(?:-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|---- BEGIN [A-Z0-9 ]*PRIVATE KEY ----)[^]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|---- END [A-Z0-9 ]*PRIVATE KEY ----|$)/g,
  jwt: /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g,
  db_url:
    /(?<![A-Za-z0-9+.-])(?:postgres|postgresql|mysql|mariadb|mongodb|mongodb\+srv|redis|rediss|amqp|amqps|mssql):\/\/[^ \t\r\n:/@]+:[^ \t\r\n/@]+@[^ \t\r\n]+/g,
  ssn: /(?<![0-9])(?!000|666|9)[0-9]{3}([- .])(?!00)[0-9]{2}\1(?!0000)[0-9]{4}(?![0-9])/g,
  credit_card: /(?<![0-9])[0-9](?:[ ./-]?[0-9])*/g,
  email: /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}(?![A-Za-z0-9-])/g,
};

/** Luhn checksum over the digits of `text` (other characters ignored). */
function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/**
 * A credit card is a run of 13 to 19 digits that passes Luhn. Single spaces, dots,
 * slashes or dashes may group the digits, in groups of 3 to 6 as cards are printed, so
 * that decimals and version numbers are not taken for cards.
 */
function isCardNumber(run: string): boolean {
  const groups = run.split(/[ ./-]/);
  if (groups.length > 1 && groups.some((g) => g.length < 3 || g.length > 6)) return false;
  const digits = groups.join('');
  return digits.length >= 13 && digits.length <= 19 && luhnValid(digits);
}

/** All non-overlapping matches of one detector, as UTF-16 [start, end) spans. */
export function detect(detector: Detector, text: string): [number, number][] {
  const out: [number, number][] = [];
  for (const m of text.matchAll(PATTERNS[detector])) {
    if (detector === 'credit_card' && !isCardNumber(m[0])) continue;
    out.push([m.index, m.index + m[0].length]);
  }
  return out;
}
