import { readdirSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluatorModule } from '../helpers/engines.js';
import { compilePolicies } from '../../src/policy/compile.js';
import { WasmEvaluator } from '../../src/engine/wasm-evaluator.js';

let engine: WasmEvaluator;
let hash: string;
beforeAll(async () => {
  const files = Object.fromEntries(
    readdirSync('policies')
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => [f, readFileSync(`policies/${f}`, 'utf8')]),
  );
  const bundle = compilePolicies(files);
  hash = bundle.hash;
  engine = await WasmEvaluator.create(evaluatorModule(), bundle.bytes);
});

const analyst = { id: 'analyst-1', roles: ['analyst'] };

describe('decide (DESIGN §3 shape)', () => {
  it('an allow names its rules with their reasons and the policy hash', () => {
    const d = engine.decide({
      agent: analyst,
      action: 'db.query',
      resource: 'db:prod/users',
      params: { sql: 'select 1' },
      facts: { trust: 80 },
    });
    expect(d).toEqual({
      id: expect.stringMatching(/^dec_[0-9a-f]{32}$/),
      decision: 'allow',
      code: 'rule',
      reasons: [
        { rule: 'db-read', effect: 'allow', message: "Reads are allowed once trust meets the database's requirement" },
      ],
      errors: [],
      redactions: [],
      policy: { hash },
    });
    expect(hash).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it.each([
    [
      { agent: analyst, action: 'db.query', resource: 'db:prod/users', params: { sql: 'select 1' } },
      'no_match',
      'no rule allows this request',
    ],
    [
      {
        agent: analyst,
        action: 'db.query',
        resource: 'db:prod/users',
        params: { sql: 'select 1' },
        facts: { suspended: true },
      },
      'suspended',
      'the agent is suspended',
    ],
    [
      { agent: analyst, action: 'db.nuke', resource: 'db:prod/users' },
      'unregistered_action',
      "action 'db.nuke' is not in the registry, and the registry is closed",
    ],
    [{ agent: analyst, action: 'db.query', resource: 'db:dev/x', params: {} }, 'params', "param 'sql' is required"],
    [
      { agent: analyst, action: 'db.query', resource: 'db:dev/x', params: { sql: 'AKIAIOSFODNN7EXAMPLE' } },
      'dlp',
      'params.sql contains a value that looks like aws key',
    ],
    [
      {
        agent: { id: 'x', roles: ['assistant'] },
        action: 'llm.chat',
        resource: 'llm:x',
        params: { model: 'gpt-4o-mini' },
        facts: { rates: { 'llm-chat': 60 } },
      },
      'rate_limited',
      "rate limit of rule 'llm-chat' reached (60 per minute)",
    ],
    [
      {
        agent: { id: 'x', roles: ['assistant'] },
        action: 'llm.chat',
        resource: 'llm:x',
        params: { model: 'gpt-4o-mini' },
        cost: { usd: 2 },
        facts: { ledgers: { 'llm-chat': { usd: 9 } } },
      },
      'budget_exceeded',
      "this request (2 USD) would exceed the budget of rule 'llm-chat' (10 USD per day, 200000 tokens per day)",
    ],
    [
      { agent: analyst, action: 'github.get_issue', resource: 'github:acme/x', facts: { risk: 120 } },
      'risk',
      'rolling risk 120 is at or above 100',
    ],
    [
      { agent: analyst, action: 'db.query', resource: 5 },
      'invalid_request',
      'resource: must be a string, not a number',
    ],
  ])('%# %s → %s', (request, code, message) => {
    const d = engine.decide(request as never);
    expect(d.code).toBe(code);
    expect(d.reasons.map((r) => r.message)).toContain(message);
    expect(JSON.stringify(d)).not.toContain('AKIAIOSFODNN7EXAMPLE');
  });

  it('errors name the rule and what failed; a deny rule that errors applies; shadow keeps the real outcome', async () => {
    const bundle = compilePolicies({
      'p.yaml':
        'mode: shadow\nrules:\n  - id: big\n    effect: deny\n    when: context.rows > 100\n  - id: ratio\n    effect: deny\n    when: context.a / context.b > 1\n',
    });
    const shadowed = await WasmEvaluator.create(evaluatorModule(), bundle.bytes);
    const d = shadowed.decide({ agent: analyst, action: 'x', resource: 'r', context: { a: 1, b: 0 } });
    expect(d).toEqual({
      id: expect.stringMatching(/^dec_[0-9a-f]{32}$/),
      decision: 'allow',
      code: 'shadow',
      shadow: { decision: 'deny', code: 'rule', rules: ['ratio'] },
      reasons: [
        {
          rule: 'ratio',
          effect: 'deny',
          message:
            "rule 'ratio' denies this request (its condition failed to evaluate, so the rule applies: fail closed)",
        },
      ],
      errors: [
        { rule: 'big', code: 'missing_attribute', message: "missing attribute 'context.rows'" },
        { rule: 'ratio', code: 'division_by_zero', message: 'division by zero' },
      ],
      redactions: [],
      policy: { hash: bundle.hash },
    });
  });
});
