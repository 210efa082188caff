/**
 * @module
 * `tollgate test [dir]`: runs the table-driven cases in `<dir>/tests/*.yaml` against the
 * compiled policies, through the WASM evaluator, and checks the reference agrees.
 */
import { parseArgs } from 'node:util';
import { WasmEvaluator } from '../../engine/wasm-evaluator.js';
import { CaseFileError, compareOutcome, parseCaseFile, type PolicyCase } from '../../policy/cases.js';
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
  help: `Usage: tollgate test [dir] [--verbose]

Compiles the policies in dir (default: policies) and runs every case in dir/tests/*.yaml.
A case gives a request, an optional state (trust, risk, spend, rates, suspended, now) and
the expected decision, optionally with the rule and code:

  cases:
    - name: analysts read prod in business hours
      request: { agent: { id: a1, roles: [analyst] }, action: db.query, resource: "db:prod/users" }
      state: { trust: 90, now: "2026-01-05T10:00:00Z" }
      expect: { decision: allow, rule: prod-db-read }

A failing case prints what differs. Exits 0 when all pass, 1 when any fails, 2 on bad usage.`,
  async run(args) {
    const { positionals, values } = parseArgs({ args, allowPositionals: true, options: { verbose: { type: 'boolean', short: 'v' } } });
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
    let failed = 0;
    cases.forEach((c, i) => {
      progress(`[${i + 1}/${cases.length}] ${c.name}`);
      const outcome = evaluator.evaluate(c.request);
      const diffs = compareOutcome(outcome, c.expect, evaluator.info);
      const reference = evaluateReference(loaded.policy, c.request);
      if (JSON.stringify(reference) !== JSON.stringify(outcome)) diffs.push(`engines disagree: reference ${JSON.stringify(reference)}`);
      if (diffs.length === 0) {
        if (values.verbose) console.log(`  ✓ ${c.name}`);
        return;
      }
      failed++;
      progressDone();
      console.log(`  ✗ ${c.name} (${c.where})`);
      for (const d of diffs) console.log(`      ${d}`);
    });
    progressDone();
    console.log(`\n${cases.length - failed} passed, ${failed} failed`);
    return failed === 0 ? EXIT_OK : EXIT_FAILED;
  },
};
