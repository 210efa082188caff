/**
 * @module
 * What the DLP deny detectors read (DESIGN §2): every param key and value, the resource,
 * and every context key and value, each seen as sent, as a normalised view, and through
 * bounded decoded views. Both evaluators scan exactly these strings: the host builds them
 * (normalisation needs Unicode tables the evaluator does not carry) and the WASM
 * evaluator receives them in the request.
 *
 * The work is bounded: decoded views are taken from runs of 16 to 16,384 characters, at
 * most 256 of them per request, and all views together hold at most `MAX_VIEW_BYTES`. A
 * request past that bound is not scanned in part: it is refused as invalid.
 */
import type { EvalRequest } from './verdict.js';
import type { JsonValue } from '../lib/json.js';

export interface DlpView {
  /** Where the text came from, as `params.a.b[2]`, `params.a (key)`, `resource`, `context.k`. */
  path: string;
  text: string;
}

export const MAX_VIEW_BYTES = 384 * 1024;
/** Why a request past the bound is refused. */
export const DLP_TOO_MUCH = `the request holds more text than DLP scans (${MAX_VIEW_BYTES / 1024} KiB with its normalised and decoded views)`;
export const MAX_DECODED_VIEWS = 256;
const MIN_ENCODED = 16;
const MAX_ENCODED = 16_384;

/** Latin look-alikes from Cyrillic and Greek that NFKC leaves alone. */
const CONFUSABLES: Record<string, string> = {
  А: 'A',
  В: 'B',
  Е: 'E',
  К: 'K',
  М: 'M',
  Н: 'H',
  О: 'O',
  Р: 'P',
  С: 'C',
  Т: 'T',
  Х: 'X',
  І: 'I',
  Ј: 'J',
  Ѕ: 'S',
  У: 'Y',
  а: 'a',
  е: 'e',
  о: 'o',
  р: 'p',
  с: 'c',
  у: 'y',
  х: 'x',
  і: 'i',
  ј: 'j',
  ѕ: 's',
  һ: 'h',
  ԁ: 'd',
  Α: 'A',
  Β: 'B',
  Ε: 'E',
  Ζ: 'Z',
  Η: 'H',
  Ι: 'I',
  Κ: 'K',
  Μ: 'M',
  Ν: 'N',
  Ο: 'O',
  Ρ: 'P',
  Τ: 'T',
  Υ: 'Y',
  Χ: 'X',
  ο: 'o',
  ν: 'v',
  α: 'a',
};
const CONFUSABLE_RE = new RegExp(`[${Object.keys(CONFUSABLES).join('')}]`, 'gu');
/** Format characters (zero-width spaces and joiners, soft hyphens, bidi marks) and fillers. */
const INVISIBLE_RE = /[\p{Cf}\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180d\u3164\uffa0]/gu;

/** NFKC, invisible characters removed, Latin look-alikes mapped to Latin. */
export function normalizeForDlp(text: string): string {
  // Printable ASCII is its own normal form: the common case costs one scan.
  if (/^[\x20-\x7e]*$/.test(text)) return text;
  return text
    .normalize('NFKC')
    .replace(INVISIBLE_RE, '')
    .replace(CONFUSABLE_RE, (c) => CONFUSABLES[c]);
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
const utf8 = new TextEncoder();

/** Bytes as text, when they are valid UTF-8 and mostly printable; else null. */
function asText(bytes: Uint8Array): string | null {
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    return null;
  }
  let control = 0;
  for (const ch of text) if (ch < ' ' && ch !== '\n' && ch !== '\r' && ch !== '\t') control++;
  return control * 10 > text.length ? null : text;
}

function fromBase64(run: string): string | null {
  const std = run.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');
  if (std.length % 4 === 1 || /=/.test(std)) return null;
  try {
    const binary = atob(std + '='.repeat((4 - (std.length % 4)) % 4));
    return asText(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
  } catch {
    return null;
  }
}

function fromHex(run: string): string | null {
  if (run.length % 2 === 1) return null;
  const bytes = new Uint8Array(run.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(run.slice(i * 2, i * 2 + 2), 16);
  return asText(bytes);
}

function fromPercent(text: string): string | null {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '%' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (text[i] === '+') bytes.push(0x20);
    else bytes.push(...utf8.encode(text[i]));
  }
  return asText(Uint8Array.from(bytes));
}

/** Decoded readings of a text: base64 or base64url runs, hex runs, and percent-encoding. */
function decodings(text: string): string[] {
  const out: string[] = [];
  if (text.length > MAX_ENCODED * 4) return out;
  for (const m of text.matchAll(/[A-Za-z0-9+/_-]{16,}={0,2}/g)) {
    if (m[0].length > MAX_ENCODED) continue;
    const hex = /^[0-9A-Fa-f]+$/.test(m[0]) ? fromHex(m[0]) : null;
    const decoded = hex ?? fromBase64(m[0]);
    if (decoded !== null) out.push(decoded);
  }
  if (/%[0-9A-Fa-f]{2}/.test(text) && text.length <= MAX_ENCODED) {
    const decoded = fromPercent(text);
    if (decoded !== null && decoded !== text) out.push(decoded);
  }
  return out;
}

/** The strings DLP scans, in the order a walk of the request meets them. */
function origins(request: Pick<EvalRequest, 'params' | 'resource' | 'context'>): DlpView[] {
  const out: DlpView[] = [];
  const walk = (v: JsonValue, path: string) => {
    if (typeof v === 'string') out.push({ path, text: v });
    // A card number sent as a JSON number is still a card number: numbers are seen as their digits.
    else if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) out.push({ path, text: String(v) });
    else if (Array.isArray(v)) v.forEach((item, i) => walk(item, `${path}[${i}]`));
    else if (v !== null && typeof v === 'object') {
      for (const [key, value] of Object.entries(v)) {
        out.push({ path: `${path}.${key} (key)`, text: key });
        walk(value, `${path}.${key}`);
      }
    }
  };
  walk(request.params ?? {}, 'params');
  if (typeof request.resource === 'string') out.push({ path: 'resource', text: request.resource });
  walk(request.context ?? {}, 'context');
  return out;
}

function utf8Length(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) n += c >= 0x800 && (c < 0xd800 || c > 0xdfff) ? 2 : 1;
  }
  return n;
}

/** Every view DLP scans; null when they would pass the work bound. */
export function dlpViews(request: Pick<EvalRequest, 'params' | 'resource' | 'context'>): DlpView[] | null {
  const views: DlpView[] = [];
  let bytes = 0;
  let decodedCount = 0;
  const add = (path: string, text: string): boolean => {
    bytes += utf8Length(text);
    if (bytes > MAX_VIEW_BYTES) return false;
    views.push({ path, text });
    return true;
  };
  for (const { path, text } of origins(request)) {
    if (!add(path, text)) return null;
    const normal = normalizeForDlp(text);
    if (normal !== text && !add(path, normal)) return null;
    for (const decoded of decodings(normal)) {
      if (++decodedCount > MAX_DECODED_VIEWS) return null;
      if (!add(`${path} (decoded)`, decoded)) return null;
      const decodedNormal = normalizeForDlp(decoded);
      if (decodedNormal !== decoded && !add(`${path} (decoded)`, decodedNormal)) return null;
    }
  }
  return views;
}
