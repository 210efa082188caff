import { describe, expect, it } from 'vitest';
import { formatIssue } from './errors.js';
import { loadPolicies } from './load.js';

const REGISTRY = `registry: closed
context:
  hour: { type: number, required: true }
  ticket: { type: string }
actions:
  - match: "payments.send"
    attrs: { risk: high, tier: 2 }
    params:
      amount_usd: { type: number, required: true }
      memo: { type: string }
    additional_params: false
  - match: "chat.*"
    params:
      prompt: { type: string, required: true }
`;

function check(rules: string): { errors: string[]; warnings: string[] } {
  const result = loadPolicies({ 'p.yaml': `${REGISTRY}rules:\n${rules}` });
  return { errors: result.ok ? [] : result.errors.map(formatIssue), warnings: result.warnings.map(formatIssue) };
}

describe('typed checks (params, catalogue attributes, context)', () => {
  it.each([
    [
      'a typed param compared with the wrong type',
      'when: params.amount_usd > "10000"',
      "p.yaml:19:29 type_error rule 'r'.when: '>' needs two numbers or two strings, not a number and a string",
    ],
    [
      'an unknown param of a closed schema',
      'when: params.amount > 10000',
      "p.yaml:19:11 unknown_path rule 'r'.when: unknown path 'params.amount': the params schema of 'payments.send' declares no 'amount'. Did you mean 'amount_usd'?",
    ],
    [
      'a catalogue attribute of the wrong type',
      'when: action.tier == "2"',
      "p.yaml:19:23 type_error rule 'r'.when: '==' compares a number with a string",
    ],
    [
      'a context key outside the context schema',
      'when: context.tiket == "T-1"',
      "p.yaml:19:11 unknown_path rule 'r'.when: unknown path 'context.tiket': the context schema declares no 'tiket'. Did you mean 'ticket'?",
    ],
    [
      'a context key of the wrong type',
      'when: context.hour == "9"',
      "p.yaml:19:24 type_error rule 'r'.when: '==' compares a number with a string",
    ],
  ])('rejects %s, at file:line:col', (_what, when, message) => {
    const { errors } = check(`  - id: r\n    effect: deny\n    actions: ["payments.send"]\n    ${when}\n`);
    expect(errors).toEqual([message]);
  });

  it('accepts well-typed conditions, and leaves params of open schemas dynamic', () => {
    const { errors } = check(
      `  - id: r\n    effect: allow\n    actions: ["payments.send"]\n    when: params.amount_usd <= 100 && context.hour >= 9\n  - id: s\n    effect: allow\n    actions: ["chat.*"]\n    when: params.anything == "x" && params.prompt.size() < 1000\n`,
    );
    expect(errors).toEqual([]);
  });

  it('warns when a deny or require_approval rule reads a path no schema requires', () => {
    const { errors, warnings } = check(
      `  - id: memo-check\n    effect: require_approval\n    actions: ["payments.send"]\n    when: params.memo.contains("urgent") || context.ticket == "x" || params.amount_usd > 10000 || context.hour > 20\n  - id: fine\n    effect: allow\n    actions: ["payments.send"]\n    when: params.memo == "x"\n`,
    );
    expect(errors).toEqual([]);
    expect(warnings).toEqual([
      "p.yaml:19:11 warning unrequired_path rule 'memo-check'.when reads 'params.memo': a request without 'params.memo' skips this require_approval rule; mark it required: true in the params schema of every action it can match",
      "p.yaml:19:45 warning unrequired_path rule 'memo-check'.when reads 'context.ticket': a request without 'context.ticket' skips this require_approval rule; mark it required: true in the context schema",
    ]);
  });

  it("warns when a 'matches' pattern reads like a glob (matches is RE2 since 1.1)", () => {
    const { errors, warnings } = check(
      `  - id: r\n    effect: allow\n    when: resource.name.matches("db:prod/*") || resource.name.matches("^db:(prod|dev)/.*$")\n`,
    );
    expect(errors).toEqual([]);
    expect(warnings).toEqual([
      `p.yaml:18:33 warning glob_like_pattern rule 'r'.when: 'matches' takes an RE2 pattern; "db:prod/*" reads like a glob: for a glob, write .glob("db:prod/*")`,
    ]);
    // A glob that is not even valid RE2 is an error, with the same hint.
    expect(check(`  - id: r\n    effect: allow\n    when: resource.name.matches("db:prod/**")\n`).errors[0]).toMatch(
      /bad repetition operator.*reads like a glob: for a glob, write \.glob\("db:prod\/\*\*"\)/,
    );
  });

  it('a YAML syntax error does not hide the rest of the file', () => {
    const result = loadPolicies({ 'p.yaml': 'rules:\n  - id: a\n    effect: alow\n  - id: b\n   effect: deny\n' });
    expect(result.ok ? [] : result.errors.map((e) => e.code)).toEqual([
      'bad_value',
      'missing_key',
      'yaml_syntax',
      'missing_key',
    ]);
  });
});
