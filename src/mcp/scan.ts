/**
 * @module
 * The description scan shown to an operator before a tool is pinned. Tool poisoning hides
 * instructions for the model in a tool's description or its parameters' descriptions; the
 * scan reports the markers of it: characters a person can't see (zero-width, bidi
 * controls, Unicode tag characters, which can spell a whole hidden message), directives
 * aimed at the model, and references to other servers' tools.
 */
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { readAs } from './pins.js';

export interface ScanFinding {
  kind: 'hidden_characters' | 'directive' | 'cross_reference';
  /** Where: `description`, or `inputSchema.<path>.description`. */
  where: string;
  detail: string;
}

/** Zero-width and joiner characters, bidi controls, the BOM and the soft hyphen. */
const INVISIBLE = /[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/gu;
/** Unicode tag characters: invisible, and each one mirrors an ASCII character. */
const TAGS = /[\u{e0000}-\u{e007f}]/gu;

/** Phrases that address the model rather than describe the tool. */
const DIRECTIVES: readonly [RegExp, string][] = [
  [
    /\bignore\s+(all\s+|any\s+)?(previous|prior|above|earlier|other)\s+(instructions|prompts|rules)/i,
    'tells the model to ignore its instructions',
  ],
  [/<\s*\/?\s*(important|system|instructions?|secret|hidden)\s*>/i, 'a pseudo-tag addressed to the model'],
  [
    /\b(do\s+not|don't|never)\s+(tell|inform|mention|reveal|show|notify)\b[^.]*\b(user|human|operator)/i,
    'tells the model to keep something from the user',
  ],
  [
    /\b(before|instead\s+of|after)\s+(using|calling|invoking|running)\s+(any|this|another|other|the\s+\w+)\s+tools?\b/i,
    'tells the model how to use other tools',
  ],
  [/\b(system\s+prompt|developer\s+message)\b/i, "mentions the model's own instructions"],
  [
    /\b(read|send|include|pass|upload|put|give|paste|provide|share)\s+(the\s+)?(contents?\s+of\s+)?(~\/\.ssh|\.env|id_rsa|credentials|api[_ ]?keys?|passwords?|tokens?|secrets?)\b/i,
    'asks for secrets',
  ],
  [
    /\byou\s+(must|should|have\s+to)\s+(always\s+|first\s+)?(call|use|invoke|run|read|send)\b/i,
    'gives the model orders',
  ],
];

function scanText(text: string, where: string, otherTools: readonly { server: string; tool: string }[]): ScanFinding[] {
  const findings: ScanFinding[] = [];
  const invisible = text.match(INVISIBLE) ?? [];
  const tags = text.match(TAGS) ?? [];
  if (invisible.length > 0) {
    const codes = [
      ...new Set(invisible.map((c) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`)),
    ];
    findings.push({
      kind: 'hidden_characters',
      where,
      detail: `${invisible.length} invisible character(s): ${codes.join(', ')}`,
    });
  }
  if (tags.length > 0) {
    const hidden = tags.map((c) => String.fromCodePoint(c.codePointAt(0)! - 0xe0000)).join('');
    findings.push({
      kind: 'hidden_characters',
      where,
      detail: `${tags.length} Unicode tag character(s) spelling '${hidden.slice(0, 200)}'`,
    });
  }
  // Directives are looked for in what a model reads: the text as normalised, with tag characters spelt out.
  const readable = `${readAs(text)} ${tags.map((c) => String.fromCodePoint(c.codePointAt(0)! - 0xe0000)).join('')}`;
  for (const [pattern, what] of DIRECTIVES) {
    const m = pattern.exec(readable);
    if (m) findings.push({ kind: 'directive', where, detail: `${what}: '${m[0].slice(0, 120)}'` });
  }
  for (const { server, tool } of otherTools) {
    const escaped = tool.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    if (new RegExp(`(^|[^\\w])${escaped}($|[^\\w])`, 'i').test(readable))
      findings.push({ kind: 'cross_reference', where, detail: `names '${tool}', a tool of '${server}'` });
  }
  return findings;
}

/** Every `description` string in a JSON schema, by path. */
function schemaDescriptions(schema: unknown, path: string, out: [string, string][]): [string, string][] {
  if (schema === null || typeof schema !== 'object') return out;
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'description' && typeof value === 'string') out.push([`${path}.description`, value]);
    else schemaDescriptions(value, `${path}.${key}`, out);
  }
  return out;
}

/**
 * Scans a tool's description and its schemas' descriptions. `otherTools` are the tools of
 * the other upstreams (a description that names one of them is steering the model there).
 */
export function scanTool(tool: Tool, otherTools: readonly { server: string; tool: string }[] = []): ScanFinding[] {
  const texts: [string, string][] = [];
  if (tool.description) texts.push(['description', tool.description]);
  schemaDescriptions(tool.inputSchema, 'inputSchema', texts);
  schemaDescriptions(tool.outputSchema, 'outputSchema', texts);
  return texts.flatMap(([where, text]) => scanText(text, where, otherTools));
}
