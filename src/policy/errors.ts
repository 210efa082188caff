/**
 * @module
 * Policy problems: collected as `PolicyIssue`s and thrown together in one `PolicyError`,
 * a `TollgateError` (the error root, `src/lib/errors.ts`).
 */
import { TollgateError } from '../lib/errors.js';

/** Stable codes for policy problems, printed as `file:line:col code message`. */
export type PolicyIssueCode =
  | 'yaml_syntax'
  | 'bad_encoding'
  | 'file_too_large'
  | 'unknown_key'
  | 'missing_key'
  | 'bad_value'
  | 'bad_glob'
  | 'bad_duration'
  | 'bad_limit'
  | 'bad_params_schema'
  | 'duplicate_rule'
  | 'duplicate_upstream'
  | 'conflicting_setting'
  | 'expr_syntax'
  | 'expr_too_deep'
  | 'expr_too_large'
  | 'unknown_path'
  | 'type_error'
  | 'bad_regex'
  | 'unrequired_path'
  | 'glob_like_pattern'
  | 'too_many';

/** One problem in one policy file, with its 1-based position. */
export interface PolicyIssue {
  file: string;
  line: number;
  col: number;
  code: PolicyIssueCode;
  message: string;
  /** Absent for errors. */
  severity?: 'warning';
}

/** Thrown by `compilePolicies` when any file has problems; `errors` holds all of them. */
export class PolicyError extends TollgateError {
  readonly errors: readonly PolicyIssue[];
  constructor(errors: readonly PolicyIssue[]) {
    super('policy_invalid', `${errors.length} policy error(s): ${errors.slice(0, 3).map(formatIssue).join('; ')}`);
    this.name = 'PolicyError';
    this.errors = errors;
  }
}

/** `file:line:col code message`, the format `tollgate check` prints. */
export function formatIssue(issue: PolicyIssue): string {
  return `${issue.file}:${issue.line}:${issue.col} ${issue.severity === 'warning' ? 'warning ' : ''}${issue.code} ${issue.message}`;
}

/** Sorts issues by file, then position, so reports never depend on discovery order. */
export function sortIssues(issues: PolicyIssue[]): PolicyIssue[] {
  return issues.sort((a, b) =>
    a.file < b.file
      ? -1
      : a.file > b.file
        ? 1
        : a.line - b.line || a.col - b.col || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0),
  );
}
