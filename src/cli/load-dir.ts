/**
 * @module
 * Reads and checks a policy folder for a command: every problem in one list, whether it is
 * a file that is not UTF-8 or a policy error.
 */
import { sortIssues, type PolicyIssue } from '../policy/errors.js';
import { loadPolicies } from '../policy/load.js';
import type { PolicySet } from '../policy/model.js';
import { readPolicyDir } from './policy-files.js';

export type DirResult =
  | { ok: true; policy: PolicySet; fileCount: number; warnings: PolicyIssue[] }
  | { ok: false; errors: PolicyIssue[]; warnings: PolicyIssue[] };

export function loadPolicyDir(dir: string): DirResult {
  const { files, issues } = readPolicyDir(dir);
  const result = loadPolicies(files);
  const errors = [...issues, ...(result.ok ? [] : result.errors)];
  if (errors.length > 0 || !result.ok) return { ok: false, errors: sortIssues(errors), warnings: result.warnings };
  return { ok: true, policy: result.policy, fileCount: Object.keys(files).length, warnings: result.warnings };
}
