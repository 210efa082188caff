/**
 * @module
 * Reads one YAML policy file with source positions, and collects problems as
 * `PolicyIssue`s that point at file:line:col.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type Pair, type YAMLMap } from 'yaml';
import type { PolicyIssue, PolicyIssueCode } from './errors.js';
import { didYouMean } from './suggest.js';

export const MAX_POLICY_FILE_BYTES = 1024 * 1024;

/** One parsed file and a sink for its problems. */
export class SourceFile {
  readonly issues: PolicyIssue[] = [];
  readonly warnings: PolicyIssue[] = [];
  private readonly lines = new LineCounter();
  readonly root: Node | null = null;

  constructor(
    readonly name: string,
    text: string,
  ) {
    const bytes = new TextEncoder().encode(text).length;
    if (bytes > MAX_POLICY_FILE_BYTES) {
      this.issues.push({
        file: name,
        line: 1,
        col: 1,
        code: 'file_too_large',
        message: `file is ${bytes} bytes; the limit is ${MAX_POLICY_FILE_BYTES}`,
      });
      return;
    }
    const doc = parseDocument(text, { lineCounter: this.lines, uniqueKeys: true, prettyErrors: false, strict: true });
    for (const err of doc.errors) {
      const at = this.lines.linePos(err.pos[0]);
      this.issues.push({
        file: name,
        line: at.line,
        col: at.col,
        code: 'yaml_syntax',
        message: err.message.split('\n')[0].toLowerCase(),
      });
    }
    // Check what the parser could read even past a syntax error, so one typo hides nothing else.
    this.root = (doc.contents as Node | null) ?? null;
  }

  /** Position of a node (or of the file start when the node has none). */
  at(node: Node | null | undefined, offset = 0): { line: number; col: number } {
    const start = node?.range?.[0];
    if (start === undefined) return { line: 1, col: 1 };
    return this.lines.linePos(start + offset);
  }

  report(node: Node | null | undefined, code: PolicyIssueCode, message: string, offset = 0): void {
    const { line, col } = this.at(node, offset);
    this.issues.push({ file: this.name, line, col, code, message });
  }

  warn(node: Node | null | undefined, code: PolicyIssueCode, message: string, offset = 0): void {
    const { line, col } = this.at(node, offset);
    this.warnings.push({ file: this.name, line, col, code, message, severity: 'warning' });
  }
}

/** The pairs of a mapping, reporting keys outside `allowed` as `unknown_key`. */
export function mappingEntries(
  src: SourceFile,
  node: Node | null,
  where: string,
  allowed: readonly string[],
): Map<string, Node | null> | null {
  if (!isMap(node)) {
    src.report(node, 'bad_value', `${where} must be a mapping`);
    return null;
  }
  const out = new Map<string, Node | null>();
  for (const pair of (node as YAMLMap).items as Pair<Node, Node | null>[]) {
    const key = isScalar(pair.key) ? String(pair.key.value) : null;
    if (key === null) {
      src.report(pair.key, 'bad_value', `${where} has a key that is not a plain string`);
      continue;
    }
    if (!allowed.includes(key)) {
      const hint = didYouMean(key, allowed);
      src.report(
        pair.key,
        'unknown_key',
        `unknown key '${key}' in ${where}.${hint || ` Expected one of: ${allowed.join(', ')}.`}`,
      );
      continue;
    }
    out.set(key, pair.value ?? null);
  }
  return out;
}

/** The pairs of a mapping whose keys are free-form names (attrs, params). */
export function namedEntries(src: SourceFile, node: Node | null, where: string): [string, Node | null, Node][] {
  if (!isMap(node)) {
    src.report(node, 'bad_value', `${where} must be a mapping`);
    return [];
  }
  const out: [string, Node | null, Node][] = [];
  for (const pair of (node as YAMLMap).items as Pair<Node, Node | null>[]) {
    if (!isScalar(pair.key)) src.report(pair.key, 'bad_value', `${where} has a key that is not a plain string`);
    else out.push([String(pair.key.value), pair.value ?? null, pair.key]);
  }
  return out;
}

export function sequenceItems(src: SourceFile, node: Node | null, where: string): Node[] {
  if (!isSeq(node)) {
    src.report(node, 'bad_value', `${where} must be a list`);
    return [];
  }
  return node.items as Node[];
}

export function scalarValue(node: Node | null): unknown {
  return isScalar(node) ? node.value : undefined;
}

export function stringValue(src: SourceFile, node: Node | null, where: string): string | null {
  const v = scalarValue(node);
  if (typeof v !== 'string') {
    src.report(node, 'bad_value', `${where} must be a string`);
    return null;
  }
  if (!v.isWellFormed()) {
    src.report(node, 'bad_value', `${where} has a lone surrogate`);
    return null;
  }
  return v;
}

export function numberValue(
  src: SourceFile,
  node: Node | null,
  where: string,
  opts: { min?: number; max?: number; integer?: boolean } = {},
): number | null {
  const v = scalarValue(node);
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    src.report(node, 'bad_value', `${where} must be a finite number`);
    return null;
  }
  if (opts.integer && !Number.isSafeInteger(v)) {
    src.report(node, 'bad_value', `${where} must be an integer`);
    return null;
  }
  if ((opts.min !== undefined && v < opts.min) || (opts.max !== undefined && v > opts.max)) {
    src.report(node, 'bad_value', `${where} must be between ${opts.min ?? '-inf'} and ${opts.max ?? 'inf'}, not ${v}`);
    return null;
  }
  return Object.is(v, -0) ? 0 : v;
}

export function oneOf<T extends string>(
  src: SourceFile,
  node: Node | null,
  where: string,
  options: readonly T[],
): T | null {
  const v = scalarValue(node);
  if (typeof v !== 'string' || !options.includes(v as T)) {
    src.report(node, 'bad_value', `${where} must be one of ${options.join(', ')}, not '${String(v)}'`);
    return null;
  }
  return v as T;
}
