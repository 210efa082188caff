/**
 * @module
 * `tollgate test [dir]`: runs the table-driven cases in `<dir>/tests/*.yaml` against the
 * compiled policies, through the WASM evaluator, and checks the reference agrees.
 */
import { parseArgs } from 'node:util';
import { describeVerdict } from '../../engine/describe.js';
import { WasmEvaluator } from '../../engine/wasm-evaluator.js';
import { CaseFileError, compareVerdict, parseCaseFile, type PolicyCase } from '../../policy/cases.js';
import { compilePolicySet } from '../../policy/compile.js';
import { formatIssue } from '../../policy/errors.js';
import { evaluateReference } from '../../policy/reference/evaluate.js';
import { loadPolicyDir } from '../load-dir.js';
import { readTestDir } from '../policy-files.js';
import { EXIT_FAILED, EXIT_OK, progress, progressDone, UsageError, type Command } from '../usage.js';
import { readEvaluatorWasm } from '../wasm-file.js';

export const testCommand: Command = {
  name: 'test',
  summary: 'run the table-driven cases in <dir>/tests/*.yaml',
  help: `Usage: tollgate test [dir] [--verbose] [--json]

Compiles the policies in dir (default: policies) and runs every case in dir/tests/*.yaml.
A case gives a request, an optional state (trust, risk, spend, rates, suspended, now) and
the expected decision, optionally with the rule and code:

  cases:
    - name: analysts read prod in business hours
      request: { agent: { id: a1, roles: [analyst] }, action: db.query, resource: "db:prod/users" }
      state: { trust: 90, now: "2026-01-05T10:00:00Z" }
      expect: { decision: allow, rule: prod-db-read }

A failing case prints what differs, and beside it the decision's reasons and the errors
its rules' conditions raised. With --json, prints one JSON object: { "passed", "failed",
"cases": [{ name, where, ok, diffs, decision: { decision, code, reasons, errors } }] }.
Exits 0 when all pass, 1 when any fails, 2 on bad usage.`,
  async run(args) {
    const { positionals, values } = parseArgs({
      args,
      allowPositionals: true,
      options: { verbose: { type: 'boolean', short: 'v' }, json: { type: 'boolean' } },
    });
    if (positionals.length > 1) throw new UsageError('test takes at most one folder');
    const dir = positionals[0] ?? 'policies';
    const loaded = loadPolicyDir(dir);
    if (!loaded.ok) {
      for (const issue of loaded.errors) console.log(formatIssue(issue));
      return EXIT_FAILED;
    }
    const evaluator = await WasmEvaluator.create(readEvaluatorWasm(), compilePolicySet(loaded.policy).bytes);
    const cases: PolicyCase[] = [];
    for (const [file, text] of Object.entries(readTestDir(dir))) {
      try {
        cases.push(...parseCaseFile(file, text, { allowPolicies: false }).cases);
      } catch (err) {
        if (!(err instanceof CaseFileError)) throw err;
        console.log(`error: ${err.message}`);
        return EXIT_FAILED;
      }
    }
    if (cases.length === 0) throw new UsageError(`no test cases in ${dir}/tests/*.yaml`);
    const results = cases.map((c, i) => {
      if (!values.json) progress(`[${i + 1}/${cases.length}] ${c.name}`);
      const verdict = evaluator.evaluate(c.request);
      const diffs = compareVerdict(verdict, c.expect, evaluator.info);
      const reference = evaluateReference(loaded.policy, c.request);
      if (JSON.stringify(reference) !== JSON.stringify(verdict))
        diffs.push(`engines disagree: reference ${JSON.stringify(reference)}`);
      const { decision, code, reasons, errors } = describeVerdict(verdict, evaluator.info, evaluator.hash, c.request);
      return {
        name: c.name,
        where: c.where,
        ok: diffs.length === 0,
        diffs,
        decision: { decision, code, reasons, errors },
      };
    });
    const failed = results.filter((r) => !r.ok).length;
    if (values.json) {
      console.log(JSON.stringify({ passed: cases.length - failed, failed, cases: results }, null, 2));
      return failed === 0 ? EXIT_OK : EXIT_FAILED;
    }
    progressDone();
    for (const r of results) {
      if (r.ok) {
        if (values.verbose) console.log(`  ✓ ${r.name}`);
        continue;
      }
      console.log(`  ✗ ${r.name} (${r.where})`);
      for (const d of r.diffs) console.log(`      ${d}`);
      // Why the decision came out as it did: the reasons, and any condition that errored.
      for (const reason of r.decision.reasons)
        console.log(
          `      reason: ${reason.rule ? `${reason.rule} (${reason.effect})` : reason.effect}: ${reason.message}`,
        );
      for (const error of r.decision.errors)
        console.log(`      error: rule '${error.rule}' ${error.code}: ${error.message}`);
    }
    console.log(`\n${cases.length - failed} passed, ${failed} failed`);
    return failed === 0 ? EXIT_OK : EXIT_FAILED;
  },
};
