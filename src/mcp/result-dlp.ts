/**
 * @module
 * DLP on what a tool returns, before it reaches the agent. Every string of a `tools/call`
 * result (text content, embedded resource text, structured content), and of the messages
 * the upstream sends while the call runs (`scanParams`), is scanned with the
 * policy's detectors, as written and as read (NFKC, invisible characters dropped, look-alikes
 * as Latin). Per the upstream's `results:` setting, a find is redacted in place
 * (`[redacted:<detector>]`; the whole string when only its normalised reading or a custom
 * pattern matched, whose spans are not known), or the whole result is withheld.
 */
import type { JsonValue } from '../lib/json.js';
import type { CustomDetector, Detector } from '../policy/model.js';
import { normalizeForDlp } from '../policy/dlp-views.js';
import { compiledRegex } from '../policy/reference/expression.js';
import { detect } from '../policy/reference/dlp.js';
import { regexMatch } from '../policy/regex/program.js';

export interface ResultDetectors {
  detectors: readonly Detector[];
  custom: readonly CustomDetector[];
}

export interface ResultScan {
  /** The result with every find redacted (the result itself when nothing was found). */
  redacted: JsonValue;
  /** The detectors that found something, each once, in the order found. */
  found: string[];
}

/** The string with finds redacted, and what found them. */
function scanText(text: string, dlp: ResultDetectors, found: Set<string>): string {
  const spans: { start: number; end: number; name: string }[] = [];
  let whole: string | null = null;
  const read = normalizeForDlp(text);
  for (const detector of dlp.detectors) {
    const here = detect(detector, text);
    for (const [start, end] of here) spans.push({ start, end, name: detector });
    if (here.length > 0) found.add(detector);
    else if (read !== text && detect(detector, read).length > 0) (found.add(detector), (whole ??= detector));
  }
  for (const custom of dlp.custom) {
    const program = compiledRegex(custom.pattern);
    if (regexMatch(program, text) || regexMatch(program, read)) (found.add(custom.name), (whole ??= custom.name));
  }
  if (whole !== null) return `[redacted:${whole}]`;
  if (spans.length === 0) return text;
  spans.sort((a, b) => a.start - b.start);
  let out = '';
  let at = 0;
  for (const span of spans) {
    if (span.start < at) continue; // overlapping finds: the first one covers it
    out += `${text.slice(at, span.start)}[redacted:${span.name}]`;
    at = span.end;
  }
  return out + text.slice(at);
}

function walk(value: JsonValue, dlp: ResultDetectors, found: Set<string>): JsonValue {
  if (typeof value === 'string') return scanText(value, dlp, found);
  if (Array.isArray(value)) return value.map((v) => walk(v, dlp, found));
  if (value !== null && typeof value === 'object') {
    const out: { [key: string]: JsonValue } = {};
    for (const [key, v] of Object.entries(value)) {
      // Binary content (images, audio, blobs) and the protocol's own fields are not text to scan.
      out[key] =
        key === 'data' || key === 'blob' || key === 'mimeType' || key === 'type' || key === 'uri'
          ? v
          : walk(v, dlp, found);
    }
    return out;
  }
  return value;
}

/** Scans a tool result's content and structured content. */
export function scanResult(result: JsonValue, dlp: ResultDetectors): ResultScan {
  const found = new Set<string>();
  if (result === null || typeof result !== 'object' || Array.isArray(result)) return { redacted: result, found: [] };
  const redacted: { [key: string]: JsonValue } = { ...result };
  for (const key of ['content', 'structuredContent'] as const)
    if (result[key] !== undefined) redacted[key] = walk(result[key], dlp, found);
  return found.size === 0 ? { redacted: result, found: [] } : { redacted, found: [...found] };
}

/**
 * Scans what else a tool's answer stream carries before its result: the params of the
 * upstream's notifications (log data, progress messages) and of its requests to the client
 * (sampling prompts, elicitation messages), so a tool can't leak through them either.
 */
export function scanParams(params: JsonValue, dlp: ResultDetectors): ResultScan {
  const found = new Set<string>();
  const redacted = walk(params, dlp, found);
  return found.size === 0 ? { redacted: params, found: [] } : { redacted, found: [...found] };
}
