/**
 * @module
 * `tollgate check [dir]`: validates a policy folder and prints every problem.
 */
import { parseArgs } from 'node:util';
import { formatIssue } from '../../policy/errors.js';
import { loadPolicyDir } from '../load-dir.js';
import { EXIT_FAILED, EXIT_OK, UsageError, type Command } from '../usage.js';

export const checkCommand: Command = {
  name: 'check',
  summary: 'validate policies and print every error as file:line:col code message',
  help: `Usage: tollgate check [dir] [--json]

Validates every .yaml file in dir (default: policies) as one policy set and prints each
problem as "file:line:col code message", and each warning as "file:line:col warning code
message" (a warning does not fail the check). With --json, prints one JSON object instead:
{ "ok", "files", "rules", "actions", "resources", "errors": [{ file, line, col, code, message }],
"warnings": [...] }.
Exits 0 when the policies are valid, 1 when they are not, 2 on bad usage.`,
  async run(args) {
    const { positionals, values } = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean' } } });
    if (positionals.length > 1) throw new UsageError('check takes at most one folder');
    const dir = positionals[0] ?? 'policies';
    const result = loadPolicyDir(dir);
    if (values.json) {
      const summary = result.ok
        ? {
            ok: true,
            files: result.fileCount,
            rules: result.policy.rules.length,
            actions: result.policy.actions.length,
            resources: result.policy.resources.length,
            errors: [],
            warnings: result.warnings,
          }
        : { ok: false, errors: result.errors, warnings: result.warnings };
      console.log(JSON.stringify(summary, null, 2));
      return result.ok ? EXIT_OK : EXIT_FAILED;
    }
    for (const warning of result.warnings) console.log(formatIssue(warning));
    if (!result.ok) {
      for (const issue of result.errors) console.log(formatIssue(issue));
      console.log(`\n${result.errors.length} error(s) in ${new Set(result.errors.map((e) => e.file)).size} file(s)`);
      return EXIT_FAILED;
    }
    const { rules, actions, resources } = result.policy;
    console.log(
      `ok: ${result.fileCount} file(s), ${rules.length} rule(s), ${actions.length} action(s), ${resources.length} resource pattern(s)`,
    );
    return EXIT_OK;
  },
};
