/**
 * @module
 * Table-driven policy test cases (`policies/tests/*.yaml`, and the shared conformance
 * files under `test/conformance/`): parsing, turning a case into an `EvalRequest`, and
 * comparing a verdict with what the case expects.
 */
import { TollgateError } from '../lib/errors.js';
import { isMap, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import type { BundleInfo } from './bundle/decode.js';
import type { EvalRequest, Facts, Verdict } from './verdict.js';

export interface CaseExpectation {
  decision: string;
  code?: string;
  /** One rule id that must be among the decision's rules. */
  rule?: string;
  /** The exact rule ids behind the decision, in id order. */
  rules?: string[];
  errors?: { rule: string; kind: string; detail: string }[];
  redactions?: Verdict['redactions'];
  detail?: Verdict['detail'];
  /** `rules` (ids) is compared only when the case names them. */
  shadow?: { decision: string; code: string; rules?: string[] } | null;
}

export interface PolicyCase {
  name: string;
  /** `file:line` of the case, for failure reports. */
  where: string;
  request: EvalRequest;
  expect: CaseExpectation;
}

export interface CaseFile {
  /** Inline policies (conformance files only). */
  policies: Record<string, string> | null;
  cases: PolicyCase[];
}

/** A case file that can't be read as cases (`case_file_invalid`). */
export class CaseFileError extends TollgateError<'case_file_invalid'> {
  constructor(message: string) {
    super('case_file_invalid', message);
    this.name = 'CaseFileError';
  }
}

const CASE_KEYS = ['name', 'request', 'state', 'expect'];
const EXPECT_KEYS = ['decision', 'code', 'rule', 'rules', 'errors', 'redactions', 'detail', 'shadow'];

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Facts from a case's `state`; `now` may be an ISO date-time or epoch milliseconds. */
function toFacts(state: Record<string, unknown>, where: string): Facts {
  const facts = { ...state } as Facts & { now?: unknown };
  if (typeof state.now === 'string') {
    const ms = Date.parse(state.now);
    if (Number.isNaN(ms)) throw new CaseFileError(`${where}: state.now '${state.now}' is not a date-time`);
    facts.now = ms;
  }
  return facts as Facts;
}

/** Parses one case file; throws `CaseFileError` naming file:line and the problem. */
export function parseCaseFile(file: string, text: string, opts: { allowPolicies: boolean }): CaseFile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  if (doc.errors.length > 0) {
    const at = lines.linePos(doc.errors[0].pos[0]);
    throw new CaseFileError(`${file}:${at.line}:${at.col}: ${doc.errors[0].message.split('\n')[0].toLowerCase()}`);
  }
  const root = doc.toJS() as unknown;
  if (!isObject(root)) throw new CaseFileError(`${file}: a case file is a mapping with 'cases'`);
  for (const k of Object.keys(root)) {
    if (k !== 'cases' && !(opts.allowPolicies && (k === 'policies' || k === 'name')))
      throw new CaseFileError(`${file}: unknown key '${k}'`);
  }
  const caseNodes = (doc.get('cases', true) as Node | undefined) ?? null;
  if (!Array.isArray(root.cases) || !isSeq(caseNodes)) throw new CaseFileError(`${file}: 'cases' must be a list`);
  let policies: Record<string, string> | null = null;
  if (root.policies !== undefined) {
    if (!isObject(root.policies) || Object.values(root.policies).some((v) => typeof v !== 'string')) {
      throw new CaseFileError(`${file}: 'policies' maps file names to YAML text`);
    }
    policies = root.policies as Record<string, string>;
  }
  const cases = root.cases.map((c: unknown, i: number): PolicyCase => {
    const node = caseNodes.items[i] as Node;
    const where = `${file}:${node?.range ? lines.linePos(node.range[0]).line : 1}`;
    if (!isObject(c)) throw new CaseFileError(`${where}: case ${i} must be a mapping`);
    for (const k of Object.keys(c))
      if (!CASE_KEYS.includes(k)) throw new CaseFileError(`${where}: unknown key '${k}' in case ${i}`);
    if (!isObject(c.request)) throw new CaseFileError(`${where}: case ${i} needs a 'request' mapping`);
    if (!isObject(c.expect) || typeof c.expect.decision !== 'string')
      throw new CaseFileError(`${where}: case ${i} needs 'expect.decision'`);
    for (const k of Object.keys(c.expect))
      if (!EXPECT_KEYS.includes(k)) throw new CaseFileError(`${where}: unknown key 'expect.${k}' in case ${i}`);
    const request = { ...c.request } as unknown as EvalRequest;
    if (c.state !== undefined) {
      if (!isObject(c.state)) throw new CaseFileError(`${where}: 'state' must be a mapping`);
      request.facts = toFacts(c.state, where);
    }
    const name = typeof c.name === 'string' ? c.name : `case ${i + 1}`;
    return { name, where, request, expect: c.expect as unknown as CaseExpectation };
  });
  if (isMap(doc.contents) && cases.length === 0) throw new CaseFileError(`${file}: 'cases' is empty`);
  return { policies, cases };
}

/** Differences between a verdict and a case's expectation, as readable lines. */
export function compareVerdict(verdict: Verdict, expect: CaseExpectation, info: BundleInfo): string[] {
  const diffs: string[] = [];
  const ids = verdict.rules.map((i) => info.rules[i].id);
  const field = (name: string, want: unknown, got: unknown) => {
    if (JSON.stringify(want) !== JSON.stringify(got))
      diffs.push(`${name}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
  };
  field('decision', expect.decision, verdict.decision);
  if (expect.code !== undefined) field('code', expect.code, verdict.code);
  if (expect.rule !== undefined && !ids.includes(expect.rule))
    diffs.push(`rule: expected '${expect.rule}' among ${JSON.stringify(ids)}`);
  if (expect.rules !== undefined) field('rules', expect.rules, ids);
  if (expect.errors !== undefined)
    field(
      'errors',
      expect.errors,
      verdict.errors.map((e) => ({ rule: info.rules[e.rule].id, kind: e.kind, detail: e.detail })),
    );
  if (expect.redactions !== undefined) field('redactions', expect.redactions, verdict.redactions);
  if (expect.detail !== undefined) field('detail', expect.detail, verdict.detail);
  if (expect.shadow !== undefined) {
    const shadow = verdict.shadow && {
      decision: verdict.shadow.decision,
      code: verdict.shadow.code,
      ...(expect.shadow?.rules !== undefined && { rules: verdict.shadow.rules.map((i) => info.rules[i].id) }),
    };
    field('shadow', expect.shadow, shadow);
  }
  return diffs;
}
