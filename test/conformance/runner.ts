/**
 * The one conformance runner. Every engine — the reference, the WASM evaluator in Node and
 * in workerd, the embed API, the edge's stateful path and the browser — runs the shared
 * case files through `runConformance`: each case must meet its expectation, and give
 * exactly the reference evaluator's verdict. Runs in Node and in workerd (the files come
 * in through Vite's `import.meta.glob`, not the file system).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeBundle, type BundleInfo } from '../../src/policy/bundle/decode.js';
import { compareVerdict, parseCaseFile, type CaseFile, type PolicyCase } from '../../src/policy/cases.js';
import { compilePolicies } from '../../src/policy/compile.js';
import { formatIssue } from '../../src/policy/errors.js';
import { loadPolicies } from '../../src/policy/load.js';
import type { PolicySet } from '../../src/policy/model.js';
import { evaluateReference } from '../../src/policy/reference/evaluate.js';
import type { EvalRequest, Verdict } from '../../src/policy/verdict.js';

const FILES = import.meta.glob<string>('./*.yaml', { query: '?raw', import: 'default', eager: true });

/** One case file's requests, decided together (the browser sends them in one round trip). */
export type DecideAll = (requests: EvalRequest[]) => Verdict[] | Promise<Verdict[]>;

/** An engine under test: given a case file's policies, how it decides their requests. */
export type ConformanceEngine = (policies: Record<string, string>, cases: readonly PolicyCase[]) => Promise<DecideAll>;

export interface ConformanceRun {
  /** Names the run in the test titles. */
  name: string;
  engine: ConformanceEngine;
  /**
   * Cases this engine is known to answer differently, as `"<file>: <case name>"` → why.
   * Each must really differ from the reference: a known entry that stops differing fails,
   * so the list can only shrink.
   */
  known?: Readonly<Record<string, string>>;
}

/** The shared case files, parsed, by file name. */
export function conformanceFiles(): [file: string, parsed: CaseFile][] {
  return Object.keys(FILES)
    .sort()
    .map((path) => {
      const file = path.replace(/^\.\//, '');
      return [file, parseCaseFile(file, FILES[path], { allowPolicies: true })];
    });
}

function loadOrThrow(files: Record<string, string>): PolicySet {
  const r = loadPolicies(files);
  if (!r.ok) throw new Error(r.errors.map(formatIssue).join('\n'));
  return r.policy;
}

/** Verdicts as they would cross JSON (the browser's do), so every engine compares alike. */
const asJson = <T>(value: T): T => JSON.parse(JSON.stringify(value));

/** Runs every case file through `engine`, one test per case. */
export function runConformance({ name, engine, known = {} }: ConformanceRun): void {
  const files = conformanceFiles();
  const caseKeys = new Set(files.flatMap(([file, parsed]) => parsed.cases.map((c) => `${file}: ${c.name}`)));

  it(`${name}: every known divergence names a case that exists`, () => {
    expect(Object.keys(known).filter((key) => !caseKeys.has(key))).toEqual([]);
  });

  describe.each(files)(`%s (${name})`, (file, parsed) => {
    let verdicts: Verdict[];
    let info: BundleInfo;
    let policy: PolicySet;

    beforeAll(async () => {
      policy = loadOrThrow(parsed.policies!);
      info = decodeBundle(compilePolicies(parsed.policies!).bytes);
      const decideAll = await engine(parsed.policies!, parsed.cases);
      verdicts = asJson(await decideAll(parsed.cases.map((c) => c.request)));
    }, 60_000);

    it.each(parsed.cases.map((c, i) => [c.name, c, i] as const))('%s', (_name, c, i) => {
      const reason = known[`${file}: ${c.name}`];
      const reference = asJson(evaluateReference(policy, c.request));
      const verdict = verdicts[i];
      if (reason !== undefined) {
        expect(
          verdict,
          `known to differ at ${c.where} (${reason}); if it no longer does, drop it from 'known'`,
        ).not.toEqual(reference);
        return;
      }
      expect(compareVerdict(verdict, c.expect, info), `${name} at ${c.where}`).toEqual([]);
      expect(verdict, `${name} agrees with the reference at ${c.where}`).toEqual(reference);
    });
  });
}

/** The reference evaluator as an engine. */
export const referenceEngine: ConformanceEngine = async (policies) => {
  const policy = loadOrThrow(policies);
  return (requests) => requests.map((r) => evaluateReference(policy, r));
};
