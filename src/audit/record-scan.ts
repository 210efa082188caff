/**
 * @module
 * Reads the three fields chain verification checks (`seq`, `tenant` and `agent`) from a
 * record's canonical text without building the record. Building it is most of what
 * verifying costs (`JSON.parse` of every record), and verification needs nothing else from
 * it: the chain hash proves the text is the writer's, and these fields prove the writer
 * numbered and addressed it right.
 */

/** The fields of a record that verification checks against its segment. */
export interface RecordIdentity {
  seq: number;
  tenant: string;
  agent: string;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;

/** Where the string opened by the quote at `open` closes, or -1. */
function stringEnd(text: string, open: number, escapes: boolean): number {
  let end = text.indexOf('"', open + 1);
  if (!escapes) return end;
  while (end !== -1) {
    let backslashes = 0;
    while (text.charCodeAt(end - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return end;
    end = text.indexOf('"', end + 1);
  }
  return -1;
}

/** A JSON string's contents, unescaped only when it has escapes. */
function stringValue(text: string, open: number, end: number): string | null {
  const raw = text.slice(open + 1, end);
  if (!raw.includes('\\')) return raw;
  try {
    return JSON.parse(text.slice(open, end + 1)) as string;
  } catch {
    return null;
  }
}

/** Which of the three fields the key between `open` and `end` names, if any. */
function keyAt(text: string, open: number, end: number, escapes: boolean): 'seq' | 'tenant' | 'agent' | null {
  if (escapes && text.slice(open + 1, end).includes('\\')) {
    const key = stringValue(text, open, end);
    return key === 'seq' || key === 'tenant' || key === 'agent' ? key : null;
  }
  // Compared in place: slicing every key out costs more than the rest of the scan.
  const length = end - open - 1;
  if (length === 3 && text.startsWith('seq', open + 1)) return 'seq';
  if (length === 6 && text.startsWith('tenant', open + 1)) return 'tenant';
  if (length === 5 && text.startsWith('agent', open + 1)) return 'agent';
  return null;
}

/**
 * The top-level `seq`, `tenant` and `agent` of one JSON object's text, or null when the text
 * is not one object with exactly one of each (a whole number and two strings). Null sends
 * the caller to `JSON.parse`, which then decides. The text is not otherwise validated: the
 * chain hash decides whether it is the writer's.
 */
export function scanRecordIdentity(text: string): RecordIdentity | null {
  const last = text.length - 1;
  if (text.charCodeAt(0) !== 0x7b || text.charCodeAt(last) !== 0x7d) return null;
  let seq: number | undefined;
  let tenant: string | undefined;
  let agent: string | undefined;
  // Most records have no escape at all, and then every quote closes a string.
  const escapes = text.includes('\\');
  let depth = 1;
  let i = 1;
  while (i < last) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = stringEnd(text, i, escapes);
      if (end === -1) return null;
      if (depth !== 1 || text.charCodeAt(end + 1) !== COLON) {
        i = end + 1; // a value, or a key inside a nested object
        continue;
      }
      const key = keyAt(text, i, end, escapes);
      const at = end + 2;
      if (key === 'seq') {
        let stop = at;
        while (stop < last && text.charCodeAt(stop) >= 0x30 && text.charCodeAt(stop) <= 0x39) stop++;
        const followed = text.charCodeAt(stop);
        if (seq !== undefined || stop === at || stop - at > 15 || (followed !== 0x2c && followed !== 0x7d)) return null;
        if (text.charCodeAt(at) === 0x30 && stop - at > 1) return null; // a leading zero is not JSON
        seq = Number(text.slice(at, stop));
        i = stop;
      } else if (key === 'tenant' || key === 'agent') {
        if (text.charCodeAt(at) !== QUOTE) return null;
        const valueEnd = stringEnd(text, at, escapes);
        if (valueEnd === -1) return null;
        const value = stringValue(text, at, valueEnd);
        if (value === null || (key === 'tenant' ? tenant : agent) !== undefined) return null;
        if (key === 'tenant') tenant = value;
        else agent = value;
        i = valueEnd + 1;
      } else {
        i = end + 1;
      }
      continue;
    }
    if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      // The record's own object closes only at its last character.
      if (--depth === 0) return null;
    }
    i++;
  }
  if (depth !== 1 || seq === undefined || tenant === undefined || agent === undefined) return null;
  return { seq, tenant, agent };
}
