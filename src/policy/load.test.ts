import { describe, expect, it } from 'vitest';
import { formatIssue } from './errors.js';
import { loadPolicies } from './load.js';

function errorsOf(files: Record<string, string>): string[] {
  const r = loadPolicies(files);
  if (r.ok) throw new Error('expected errors');
  return r.errors.map(formatIssue);
}

describe('loadPolicies', () => {
  it('reports every mistake at once, with file:line:col', () => {
    const errors = errorsOf({
      'bad.yaml': [
        'tollgate: 2',
        'mode: enforced',
        'rulez: []',
        'rules:',
        '  - id: Bad_Id',
        '    effect: allwo',
        '    actions: ["db.***"]',
        '    when: agent.trust > "x"',
        '    limits: { rate: 10/fortnight }',
        '  - id: ok',
        '    effect: allow',
        '    when: context.a &&',
        'risk: { window: 1 hour, escalate_at: 5, deny_at: 1 }',
      ].join('\n'),
      'other.yaml': 'rules:\n  - id: ok\n    effect: deny\n',
    });
    expect(errors).toEqual([
      'bad.yaml:1:11 bad_value tollgate must be 1 (the schema version), not 2',
      "bad.yaml:2:7 bad_value mode must be one of enforce, shadow, not 'enforced'",
      "bad.yaml:3:1 unknown_key unknown key 'rulez' in the top level. Did you mean 'rules'?",
      "bad.yaml:5:9 bad_value rule id 'Bad_Id' must be 1-64 characters of [a-z0-9-]",
      "bad.yaml:6:13 bad_value rule 'Bad_Id'.effect must be one of allow, deny, require_approval, not 'allwo'",
      "bad.yaml:7:15 bad_glob rule 'Bad_Id'.actions[0]: glob 'db.***' has three or more '*' in a row",
      "bad.yaml:8:23 type_error rule 'Bad_Id'.when: '>' needs two numbers or two strings, not a number and a string",
      "bad.yaml:9:21 bad_limit rule 'Bad_Id'.limits.rate '10/fortnight' must look like 60/minute (per second, minute, hour or day)",
      "bad.yaml:12:23 expr_syntax rule 'ok'.when: unexpected 'end of expression'",
      "bad.yaml:13:17 bad_duration risk.window '1 hour' must look like 30s, 10m, 1h or 7d",
      'bad.yaml:13:38 bad_limit risk.escalate_at 5 is above risk.deny_at 1',
      "other.yaml:2:9 duplicate_rule rule id 'ok' is already used at bad.yaml:10",
    ]);
  });

  it('reports malformed yaml with its position', () => {
    expect(
      errorsOf({ 'x.yaml': 'rules:\n  - id: a\n   effect: [' }).some((e) => /^x\.yaml:\d+:\d+ yaml_syntax /.test(e)),
    ).toBe(true);
  });

  it('rejects duplicate keys in one mapping', () => {
    expect(errorsOf({ 'x.yaml': 'mode: enforce\nmode: shadow\n' })[0]).toMatch(/yaml_syntax/);
  });

  it('rejects files over 1 MiB', () => {
    expect(errorsOf({ 'big.yaml': `# ${'x'.repeat(1024 * 1024)}` })).toEqual([
      expect.stringMatching(/^big\.yaml:1:1 file_too_large/),
    ]);
  });

  it('checks params schemas for sense', () => {
    const errors = errorsOf({
      'a.yaml': [
        'actions:',
        '  - match: "k8s.scale"',
        '    params:',
        '      n: { type: number, min: 5, max: 1, max_length: 3 }',
        '      s: { type: string, integer: true, enum: [1] }',
        '      t: { type: text }',
        '      u: { required: true }',
      ].join('\n'),
    });
    expect(errors.join('\n')).toMatch(/min 5 is greater than max 1/);
    expect(errors.join('\n')).toMatch(/max_length only applies to string and array params, not number/);
    expect(errors.join('\n')).toMatch(/integer only applies to number params, not string/);
    expect(errors.join('\n')).toMatch(/enum\[0\] is not a string/);
    expect(errors.join('\n')).toMatch(/type must be one of string, number, boolean, object, array, not 'text'/);
    expect(errors.join('\n')).toMatch(/needs a 'type'/);
  });

  it('rejects unknown attribute paths against the catalogue', () => {
    const errors = errorsOf({
      'a.yaml':
        'resources:\n  - match: "db:**"\n    attrs: { env: prod }\nrules:\n  - id: r\n    effect: allow\n    when: resource.owner == "me"\n',
    });
    expect(errors).toEqual([
      "a.yaml:7:11 unknown_path rule 'r'.when: unknown path 'resource.owner': no 'resources' entry declares the attribute 'owner'",
    ]);
  });

  it('reads the ticket lifetime, 60s by default, within 1s to 1h', () => {
    const ok = loadPolicies({ 'a.yaml': 'tickets: { ttl: 2m }\n' });
    expect(ok.ok && ok.policy.tickets).toEqual({ ttlMs: 120_000 });
    const byDefault = loadPolicies({ 'a.yaml': 'rules: []\n' });
    expect(byDefault.ok && byDefault.policy.tickets).toEqual({ ttlMs: 60_000 });
    expect(errorsOf({ 'a.yaml': 'tickets: { ttl: 2d }\n' })).toEqual([
      'a.yaml:1:17 bad_duration tickets.ttl must be between 1s and 1h',
    ]);
    expect(errorsOf({ 'a.yaml': 'tickets: { lifetime: 2m }\n' })[0]).toMatch(/unknown key 'lifetime' in tickets/);
  });

  it('reads approvals (15m, 20 pending by default), delegation depth (3) and log_params, naming bad values', () => {
    const byDefault = loadPolicies({ 'a.yaml': 'rules: []\n' });
    expect(byDefault.ok && [byDefault.policy.approvals, byDefault.policy.delegation]).toEqual([
      { ttlMs: 900_000, maxPending: 20, claimTtlMs: 900_000 },
      { maxDepth: 3 },
    ]);
    const set = loadPolicies({
      'a.yaml':
        'approvals: { ttl: 1h, max_pending: 5 }\ndelegation: { max_depth: 0 }\nactions:\n  - match: "k8s.*"\n    log_params: [namespace]\n',
    });
    expect(set.ok && [set.policy.approvals, set.policy.delegation, set.policy.actions[0].logParams]).toEqual([
      { ttlMs: 3_600_000, maxPending: 5, claimTtlMs: 900_000 },
      { maxDepth: 0 },
      ['namespace'],
    ]);
    expect(errorsOf({ 'a.yaml': 'approvals: { ttl: 30d }\n' })).toEqual([
      'a.yaml:1:19 bad_duration approvals.ttl must be between 1s and 7d',
    ]);
    expect(errorsOf({ 'a.yaml': 'approvals: { claim_ttl: 8d }\n' })).toEqual([
      'a.yaml:1:25 bad_duration approvals.claim_ttl must be between 1s and 7d',
    ]);
    expect(errorsOf({ 'a.yaml': 'approvals: { max_pending: 0 }\n' })).toEqual([
      'a.yaml:1:27 bad_value approvals.max_pending must be between 1 and 10000, not 0',
    ]);
    expect(errorsOf({ 'a.yaml': 'delegation: { max_depth: 99 }\n' })).toEqual([
      'a.yaml:1:26 bad_value delegation.max_depth must be between 0 and 16, not 99',
    ]);
    expect(errorsOf({ 'a.yaml': 'actions:\n  - match: "x"\n    log_params: ["a b"]\n' })).toEqual([
      "a.yaml:3:18 bad_value actions[0].log_params[0] 'a b' is not a param name",
    ]);
  });

  it('rejects settings that conflict between files', () => {
    expect(errorsOf({ 'a.yaml': 'mode: shadow\n', 'b.yaml': 'mode: enforce\n' })).toEqual([
      "b.yaml:1:7 conflicting_setting 'mode' is also set, differently, in a.yaml",
    ]);
  });

  it('merges files in name order whatever order they are given in', () => {
    const a = 'actions:\n  - match: "x.*"\n    attrs: { n: 1 }\nrules:\n  - id: b\n    effect: allow\n';
    const b = 'actions:\n  - match: "x.y"\n    attrs: { n: 2 }\nrules:\n  - id: a\n    effect: deny\n';
    const one = loadPolicies({ 'a.yaml': a, 'b.yaml': b });
    const two = loadPolicies({ 'b.yaml': b, 'a.yaml': a });
    expect(one).toEqual(two);
    expect(one.ok && one.policy.rules.map((r) => r.id)).toEqual(['a', 'b']);
    expect(one.ok && one.policy.actions.map((e) => e.match)).toEqual(['x.*', 'x.y']);
  });

  it('checks custom DLP detectors: RE2 patterns, deny only, names that are not built in', () => {
    const dlp = (item: string) => errorsOf({ 'd.yaml': `dlp:\n  - ${item}\n` });
    expect(dlp('{ name: acme, pattern: "acme_(?=x)", effect: deny }')).toEqual([
      'd.yaml:2:28 bad_regex dlp[0].pattern: lookaround is not supported (RE2 syntax): use a linear-time pattern (at offset 5 of the pattern)',
    ]);
    expect(dlp('{ name: acme, pattern: "acme_\\\\d+", effect: redact }')).toEqual([
      "d.yaml:2:49 bad_value dlp[0].effect: a custom detector can only deny (redaction needs the built-in detectors' spans)",
    ]);
    expect(dlp('{ name: aws_key, pattern: "x", effect: deny }')[0]).toMatch(/'aws_key' is a built-in detector/);
    expect(dlp('{ name: acme, detect: [ssn], pattern: "x", effect: deny }')[0]).toMatch(
      /either built-in detectors \('detect'\) or one custom detector/,
    );
    expect(dlp('{ name: Acme, pattern: "x", effect: deny }')[0]).toMatch(/must match \[a-z\]\[a-z0-9_\]\*/);
  });
});
