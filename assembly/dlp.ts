/**
 * DLP detectors as hand-written byte scanners. Each mirrors one regular expression in
 * `src/policy/reference/dlp.ts`: same boundaries, same greedy runs, and matches that
 * never overlap (scanning resumes at the end of each match).
 */

const D_AWS: u32 = 0;
const D_OPENAI: u32 = 1;
const D_ANTHROPIC: u32 = 2;
const D_GITHUB: u32 = 3;
const D_PRIVATE_KEY: u32 = 4;
const D_JWT: u32 = 5;
const D_DB_URL: u32 = 6;
const D_SSN: u32 = 7;
const D_CARD: u32 = 8;
const D_EMAIL: u32 = 9;

let s: u32 = 0;
let n: u32 = 0;

@inline function at(i: u32): u32 { return <u32>load<u8>(s + i); }
@inline function isDigit(c: u32): bool { return c - 0x30 < 10; }
@inline function isUpper(c: u32): bool { return c - 0x41 < 26; }
@inline function isLower(c: u32): bool { return c - 0x61 < 26; }
@inline function isAlpha(c: u32): bool { return isUpper(c) || isLower(c); }
@inline function isAlnum(c: u32): bool { return isAlpha(c) || isDigit(c); }
@inline function isKeyChar(c: u32): bool { return isAlnum(c) || c == 0x5f || c == 0x2d; } // [A-Za-z0-9_-]
@inline function isSpace(c: u32): bool { return c == 0x20 || c == 0x09 || c == 0x0a || c == 0x0d; }
@inline function isLocalChar(c: u32): bool {
  return isAlnum(c) || c == 0x2e || c == 0x5f || c == 0x25 || c == 0x2b || c == 0x2d; // . _ % + -
}
@inline function isLabelChar(c: u32): bool { return isAlnum(c) || c == 0x2d; }

/** Bytes [i, i + lit.length) equal the ASCII literal. */
function literalAt(i: u32, lit: string): bool {
  const len = <u32>lit.length;
  if (i > n || n - i < len) return false;
  for (let k: u32 = 0; k < len; k++) if (at(i + k) != <u32>lit.charCodeAt(k)) return false;
  return true;
}

/** End of the maximal run from i of characters of class `cls`. */
function runEnd(i: u32, cls: u32): u32 {
  let j = i;
  while (j < n && inClass(at(j), cls)) j++;
  return j;
}

const C_KEY: u32 = 0; // [A-Za-z0-9_-]
const C_ALNUM: u32 = 1; // [A-Za-z0-9]
const C_WORD: u32 = 2; // [A-Za-z0-9_]
const C_USER: u32 = 4; // [^ \t\r\n:/@]
const C_PASSWORD: u32 = 5; // [^ \t\r\n/@]
const C_NON_SPACE: u32 = 6; // [^ \t\r\n]
const C_LOCAL: u32 = 7;
const C_LABEL: u32 = 8;
const C_UPPER_DIGIT: u32 = 9; // [A-Z0-9]
const C_LABEL_KEY: u32 = 10; // [A-Z0-9 ]

function inClass(c: u32, cls: u32): bool {
  switch (cls) {
    case C_KEY: return isKeyChar(c);
    case C_ALNUM: return isAlnum(c);
    case C_WORD: return isAlnum(c) || c == 0x5f;
    case C_USER: return !isSpace(c) && c != 0x3a && c != 0x2f && c != 0x40;
    case C_PASSWORD: return !isSpace(c) && c != 0x2f && c != 0x40;
    case C_NON_SPACE: return !isSpace(c);
    case C_LOCAL: return isLocalChar(c);
    case C_LABEL: return isLabelChar(c);
    case C_UPPER_DIGIT: return isUpper(c) || isDigit(c);
    case C_LABEL_KEY: return isUpper(c) || isDigit(c) || c == 0x20;
  }
  return false;
}

/** No character of class `cls` just before i (regex lookbehind). */
function boundaryBefore(i: u32, cls: u32): bool {
  return i == 0 || !inClass(at(i - 1), cls);
}

/**
 * A key label from i: `[A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----` in the PEM and PGP form, or
 * `[A-Z0-9 ]*PRIVATE KEY ----` in the SSH2 form. The end of the match, or -1.
 */
function keyLabelEnd(i: u32, ssh2: bool): i32 {
  const j = runEnd(i, C_LABEL_KEY);
  if (ssh2) return j - i >= 12 && literalAt(j - 12, 'PRIVATE KEY ') && literalAt(j, '----') ? <i32>(j + 4) : -1;
  if (!literalAt(j, '-----')) return -1;
  const privateKey =
    (j - i >= 11 && literalAt(j - 11, 'PRIVATE KEY')) || (j - i >= 17 && literalAt(j - 17, 'PRIVATE KEY BLOCK'));
  if (privateKey) return <i32>(j + 5);
  return -1;
}

/** A BEGIN or END marker (`word` is 'BEGIN ' or 'END ') of either form at i: its end, or -1. */
function keyMarkerEnd(i: u32, word: string): i32 {
  if (literalAt(i, '-----') && literalAt(i + 5, word)) return keyLabelEnd(i + 5 + <u32>word.length, false);
  if (literalAt(i, '---- ') && literalAt(i + 5, word)) return keyLabelEnd(i + 5 + <u32>word.length, true);
  return -1;
}

const SCHEMES: StaticArray<string> = [
  'postgres', 'postgresql', 'mysql', 'mariadb', 'mongodb', 'mongodb+srv', 'redis', 'rediss', 'amqp', 'amqps', 'mssql',
];

/** Whether the last credit-card run passed the length and Luhn checks. */
let cardValid = false;

/** The end of a match of detector `d` starting at i, or -1. */
function matchAt(d: u32, i: u32): i32 {
  const c = at(i);
  if (d == D_AWS) {
    if (c != 0x41 || !(literalAt(i, 'AKIA') || literalAt(i, 'ASIA'))) return -1;
    return n - i >= 20 && runEnd(i + 4, C_UPPER_DIGIT) >= i + 20 ? <i32>(i + 20) : -1;
  }
  if (d == D_OPENAI || d == D_ANTHROPIC) {
    if (c != 0x73 || !boundaryBefore(i, C_KEY) || !literalAt(i, 'sk-')) return -1;
    const ant = literalAt(i + 3, 'ant-');
    if (ant != (d == D_ANTHROPIC)) return -1;
    const start = i + (ant ? 7 : 3);
    const j = runEnd(start, C_KEY);
    return j - start >= 20 ? <i32>j : -1;
  }
  if (d == D_GITHUB) {
    if (c != 0x67 || !boundaryBefore(i, C_WORD)) return -1;
    if (i + 4 <= n && at(i + 1) == 0x68 && at(i + 3) == 0x5f) {
      const k = at(i + 2);
      if (k == 0x70 || k == 0x6f || k == 0x75 || k == 0x73 || k == 0x72) {
        const j = runEnd(i + 4, C_ALNUM);
        if (j - (i + 4) >= 36) return <i32>j;
      }
    }
    if (literalAt(i, 'github_pat_')) {
      const j = runEnd(i + 11, C_WORD);
      if (j - (i + 11) >= 22) return <i32>j;
    }
    return -1;
  }
  if (d == D_PRIVATE_KEY) {
    if (c != 0x2d) return -1;
    const header = keyMarkerEnd(i, 'BEGIN ');
    if (header < 0) return -1;
    for (let q = <u32>header; q < n; q++) {
      if (at(q) == 0x2d) {
        const end = keyMarkerEnd(q, 'END ');
        if (end >= 0) return end;
      }
    }
    return <i32>n;
  }
  if (d == D_JWT) {
    if (c != 0x65 || !boundaryBefore(i, C_KEY) || !literalAt(i, 'eyJ')) return -1;
    const a = runEnd(i + 3, C_KEY);
    if (a - (i + 3) < 5 || a >= n || at(a) != 0x2e) return -1;
    const b = runEnd(a + 1, C_KEY);
    if (b - (a + 1) < 5 || b >= n || at(b) != 0x2e) return -1;
    const e = runEnd(b + 1, C_KEY);
    return e - (b + 1) >= 5 ? <i32>e : -1;
  }
  if (d == D_DB_URL) {
    const prev = i == 0 ? 0 : at(i - 1);
    if (!isLower(c) || !(i == 0 || !(isAlnum(prev) || prev == 0x2b || prev == 0x2e || prev == 0x2d))) return -1;
    for (let k = 0; k < SCHEMES.length; k++) {
      const scheme = unchecked(SCHEMES[k]);
      if (!literalAt(i, scheme) || !literalAt(i + <u32>scheme.length, '://')) continue;
      const u = i + <u32>scheme.length + 3;
      const user = runEnd(u, C_USER);
      if (user == u || user >= n || at(user) != 0x3a) return -1;
      const pass = runEnd(user + 1, C_PASSWORD);
      if (pass == user + 1 || pass >= n || at(pass) != 0x40) return -1;
      const host = runEnd(pass + 1, C_NON_SPACE);
      return host > pass + 1 ? <i32>host : -1;
    }
    return -1;
  }
  if (d == D_SSN) {
    if (!isDigit(c) || (i > 0 && isDigit(at(i - 1))) || n - i < 11) return -1;
    const sep = at(i + 3);
    if (sep != 0x2d && sep != 0x20 && sep != 0x2e) return -1;
    for (let k: u32 = 0; k < 11; k++) {
      const x = at(i + k);
      if (k == 3 || k == 6 ? x != sep : !isDigit(x)) return -1;
    }
    if (i + 11 < n && isDigit(at(i + 11))) return -1;
    if (literalAt(i, '000') || literalAt(i, '666') || c == 0x39) return -1;
    if (literalAt(i + 4, '00') || literalAt(i + 7, '0000')) return -1;
    return <i32>(i + 11);
  }
  if (d == D_CARD) {
    if (!isDigit(c) || (i > 0 && isDigit(at(i - 1)))) return -1;
    let j = i + 1;
    let digits: u32 = 1;
    let groups: u32 = 1;
    let group: u32 = 1;
    let groupsOk = true;
    while (true) {
      if (j < n && isDigit(at(j))) {
        j++;
        digits++;
        group++;
      } else if (j + 1 < n && isCardSeparator(at(j)) && isDigit(at(j + 1))) {
        if (group < 3 || group > 6) groupsOk = false;
        j += 2;
        digits++;
        groups++;
        group = 1;
      } else break;
    }
    if (groups > 1 && (group < 3 || group > 6)) groupsOk = false;
    cardValid = groupsOk && digits >= 13 && digits <= 19 && luhn(i, j);
    return <i32>j;
  }
  if (d == D_EMAIL) {
    if (!isLocalChar(c) || !boundaryBefore(i, C_LOCAL)) return -1;
    const local = runEnd(i, C_LOCAL);
    if (local >= n || at(local) != 0x40) return -1;
    let pos = local + 1;
    let labels: u32 = 0;
    let best: i32 = -1;
    while (true) {
      const e = runEnd(pos, C_LABEL);
      if (e == pos) break;
      labels++;
      if (labels >= 2 && e - pos >= 2 && lettersOnly(pos, e)) best = <i32>e;
      if (e < n && at(e) == 0x2e) pos = e + 1;
      else break;
    }
    return best;
  }
  return -1;
}

/** Space, dot, slash or dash: what may group a card's digits. */
@inline function isCardSeparator(c: u32): bool {
  return c == 0x20 || c == 0x2e || c == 0x2f || c == 0x2d;
}

function lettersOnly(a: u32, b: u32): bool {
  for (let k = a; k < b; k++) if (!isAlpha(at(k))) return false;
  return true;
}

/** Luhn over the digits in [a, b), separators skipped. */
function luhn(a: u32, b: u32): bool {
  let sum: u32 = 0;
  let odd = false;
  for (let k = b; k > a; k--) {
    const x = at(k - 1);
    if (!isDigit(x)) continue;
    let v = x - 0x30;
    if (odd) {
      v *= 2;
      if (v > 9) v -= 9;
    }
    sum += v;
    odd = !odd;
  }
  return sum % 10 == 0;
}

/**
 * Scans the string [p, p+len) with detector `d`. Calls back through `onMatch` for each
 * match (start, end). Returns the number of matches, stopping at the first when `first`.
 */
export function scan(d: u32, p: u32, len: u32, first: bool, sink: (start: u32, end: u32) => bool): i32 {
  s = p;
  n = len;
  let count: i32 = 0;
  let i: u32 = 0;
  while (i < n) {
    const e = matchAt(d, i);
    if (e < 0) {
      i++;
      continue;
    }
    if (d != D_CARD || cardValid) {
      count++;
      if (first) return count;
      if (!sink(i, <u32>e)) return -1;
    }
    i = <u32>e;
  }
  return count;
}
