/**
 * fast-check generators for random policies and requests over a small shared vocabulary,
 * so that random rules and random requests actually meet. Expressions are generated as
 * ASTs, well-typed or not, so run-time type errors and missing paths get exercised too.
 */
import fc from 'fast-check';
import { UNARY_FNS, type BinaryOp, type Expr, type PathRoot, type Scalar } from '../../src/policy/expr/ast.js';
import type { EvalRequest } from '../../src/policy/verdict.js';
import type { JsonValue } from '../../src/lib/json.js';
import {
  DEFAULT_APPROVALS,
  DEFAULT_DELEGATION,
  DEFAULT_TICKETS,
  DEFAULT_TRUST,
  DETECTORS,
  type ActionEntry,
  type AttrValue,
  type ParamSchema,
  type PolicySet,
  type ResourceEntry,
  type Rule,
} from '../../src/policy/model.js';

export const ACTIONS = ['db.query', 'db.write', 'k8s.scale', 'llm.chat', 'shell', 'pay.send'];
export const RESOURCES = ['db:prod/users', 'db:dev/t', 'svc:a/b/c', 'r', 'ünï/cødé'];
export const AGENTS = ['a1', 'a2', 'bot-1', 'bot/x'];
export const ROLES = ['admin', 'dev', 'ops'];
const KEYS = ['q', 'n', 's', 'flag', 'list', 'obj', 'hour'];
const ATTR_KEYS = ['risk', 'level', 'tags', 'env'];
const STRINGS = ['', 'a', 'ab', 'abc', 'prod', 'dev', 'é', '😀', 'Z', 'z', 'a1', 'admin', 'db.query'];

/** Fragments that sit on and around every DLP detector's edges. */
const DLP_FRAGMENTS = [
  'AKIAIOSFODNN7EXAMPLE',
  'ASIAABCDEFGHIJKLMNOP',
  'AKIA',
  'sk-',
  'sk-ant-',
  'abcdefghijklmnopqrstuvwxyz',
  'ghp_',
  'github_pat_',
  '0123456789ABCDEFGHIJ0123456789abcdefgh',
  '-----BEGIN RSA PRIVATE KEY-----',
  '-----BEGIN PRIVATE KEY-----',
  '-----END PRIVATE KEY-----',
  '-----END RSA PRIVATE KEY-----',
  'PRIVATE KEY',
  'eyJ',
  'eyJhbGciOi',
  '.',
  'postgres://',
  'mongodb+srv://',
  'user:pw@host',
  'u:p@h/db',
  '123-45-6789',
  '666-12-3456',
  '000-11-2222',
  '4111111111111111',
  '4111 1111 1111 1111',
  '4111-1111-1111-1112',
  '5500 0000 0000 0004',
  'a@b.co',
  'x.y+z@mail.example.org',
  '@',
  '.com',
  '.c0m',
  ' ',
  '-',
  '_',
  '\n',
  'é',
  '😀',
  '9',
  '0',
  'a',
  'Z',
];

const stringValue = fc.oneof(
  fc.constantFrom(...STRINGS),
  fc.array(fc.constantFrom(...DLP_FRAGMENTS), { minLength: 1, maxLength: 6 }).map((parts) => parts.join('')),
  fc.string({ maxLength: 8 }).filter((s) => s.isWellFormed()),
);
const numberValue = fc.oneof(
  fc.integer({ min: -5, max: 120 }),
  fc.constantFrom(0.5, -0, 1e300, 2.5, 9007199254740991, 100.25),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
const scalar: fc.Arbitrary<Scalar> = fc.oneof(fc.constant(null), fc.boolean(), numberValue, stringValue);

export const jsonValue: fc.Arbitrary<JsonValue> = fc.letrec<{ v: JsonValue }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar as fc.Arbitrary<JsonValue>,
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...KEYS, 'other', 'é'), tie('v'), { maxKeys: 3 }),
  ),
})).v;

const jsonObject = fc.dictionary(fc.constantFrom(...KEYS, 'extra'), jsonValue, { maxKeys: 5 });

/** A glob made from a vocabulary word with parts swapped for wildcards. */
function globFrom(words: string[]): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.constantFrom(...words),
      fc.array(fc.tuple(fc.nat(20), fc.nat(4), fc.constantFrom('*', '**')), { maxLength: 2 }),
    )
    .map(([word, edits]) => {
      let g = word;
      for (const [at, len, star] of edits) {
        const i = at % (g.length + 1);
        g = g.slice(0, i) + star + g.slice(i + len);
      }
      g = g.replace(/\*{3,}/g, '**');
      return g.length === 0 ? '*' : g;
    })
    .filter((g) => g.isWellFormed());
}

const ROOT_KEYS: Record<PathRoot, string[]> = {
  agent: ['id', 'roles', 'trust', 'tenant'],
  action: ['name', ...ATTR_KEYS],
  resource: ['name', ...ATTR_KEYS],
  params: KEYS,
  context: KEYS,
  delegation: ['depth', 'root', 'chain'],
  now: ['hour', 'weekday', 'minute', 'unix', 'day', 'month', 'year'],
};

const path: fc.Arbitrary<Expr> = fc
  .constantFrom(...(Object.keys(ROOT_KEYS) as PathRoot[]))
  .chain((root) =>
    fc.tuple(
      fc.constant(root),
      fc.constantFrom(...ROOT_KEYS[root]),
      fc.option(fc.constantFrom(...KEYS), { nil: undefined }),
    ),
  )
  .map(([root, key, sub]) => {
    const keys = sub !== undefined && (root === 'params' || root === 'context') ? [key, sub] : [key];
    return { kind: 'path', root, keys, text: [root, ...keys].join('.'), pos: 0 };
  });

/** RE2 patterns around the vocabulary: anchors, classes, folding, repetition, alternation, boundaries. */
const REGEXES = [
  'a',
  '^a',
  'b$',
  '^$',
  '(?i)PROD',
  '^db\\.',
  '[0-9]+',
  '\\d{3}-\\d{2}',
  '^(a|ab)*c?$',
  '\\bdev\\b',
  '\\Bb',
  '.',
  '(?s).',
  '[^a-z]',
  '(?i)^drop\\s+table',
  'é|😀',
  '^.{2,3}$',
  'x*',
  '(a*)*b',
  '[[:upper:]]',
  '\\w+@\\w+',
  '(?m)^b',
  'AKIA[0-9A-Z]{16}',
  '(?i)é',
  '\\s',
  'a{0}',
  '(?:ab|cd){1,2}',
];

const BINARY: BinaryOp[] = ['==', '!=', '<', '<=', '>', '>=', 'in', '+', '-', '*', '/', '&&', '||'];

export const expr: fc.Arbitrary<Expr> = fc.letrec<{ e: Expr }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true, maxDepth: 4 },
    scalar.map((value): Expr => ({ kind: 'literal', value, pos: 0 })),
    path,
    fc.array(scalar, { maxLength: 4 }).map((items): Expr => ({ kind: 'list', items, pos: 0 })),
    tie('e').map((arg): Expr => ({ kind: 'not', arg, pos: 0 })),
    tie('e').map((arg): Expr => ({ kind: 'negate', arg, pos: 0 })),
    fc
      .tuple(fc.constantFrom(...BINARY), tie('e'), tie('e'))
      .map(([op, left, right]): Expr => ({ kind: 'binary', op, left, right, pos: 0 })),
    fc
      .tuple(fc.constantFrom('startsWith', 'endsWith', 'contains') as fc.Arbitrary<'startsWith'>, tie('e'), tie('e'))
      .map(([fn, target, arg]): Expr => ({ kind: 'call', fn, target, arg, pos: 0 })),
    fc.tuple(tie('e'), globFrom([...STRINGS.filter((s) => s !== ''), ...ACTIONS])).map(([target, g]): Expr => ({
      kind: 'call',
      fn: 'glob',
      target,
      arg: { kind: 'literal', value: g, pos: 0 },
      pos: 0,
    })),
    fc.tuple(tie('e'), fc.constantFrom(...REGEXES)).map(([target, re]): Expr => ({
      kind: 'call',
      fn: 'matches',
      target,
      arg: { kind: 'literal', value: re, pos: 0 },
      pos: 0,
    })),
    fc
      .tuple(fc.constantFrom(...UNARY_FNS), tie('e'))
      .map(([fn, target]): Expr => ({ kind: 'method', fn, target, pos: 0 })),
    fc
      .tuple(
        fc.constantFrom('exists', 'all') as fc.Arbitrary<'exists' | 'all'>,
        path,
        fc.oneof(
          path,
          scalar.map((value): Expr => ({ kind: 'literal', value, pos: 0 })),
        ),
        fc.constantFrom<BinaryOp>('==', '<', '>=', '!=', 'in'),
        fc.option(fc.constantFrom(...KEYS), { nil: undefined }),
      )
      .map(([fn, target, other, op, key]): Expr => ({
        kind: 'macro',
        fn,
        target,
        variable: 'x',
        slot: 0,
        // The element itself or one of its fields, against a path or a literal (nesting is in the conformance cases).
        body: {
          kind: 'binary',
          op,
          left: { kind: 'var', name: 'x', slot: 0, keys: key ? [key] : [], text: key ? `x.${key}` : 'x', pos: 0 },
          right: other,
          pos: 0,
        },
        pos: 0,
      })),
  ),
})).e;

/** A boolean-ish condition: mostly comparisons, so rules match often enough. */
const condition: fc.Arbitrary<Expr> = fc.oneof(
  expr,
  fc
    .tuple(
      fc.constantFrom<BinaryOp>('==', '<', '>=', 'in', '!='),
      path,
      fc.oneof(
        expr,
        scalar.map((value): Expr => ({ kind: 'literal', value, pos: 0 })),
      ),
    )
    .map(([op, left, right]): Expr => ({ kind: 'binary', op, left, right, pos: 0 })),
);

const attrValue: fc.Arbitrary<AttrValue> = fc.oneof(
  fc.oneof(fc.boolean(), fc.integer({ min: 0, max: 100 }), stringValue),
  fc.array(fc.oneof(fc.integer({ min: 0, max: 5 }), fc.constantFrom(...STRINGS)), { maxLength: 3 }),
);
const attrs = fc.dictionary(fc.constantFrom(...ATTR_KEYS), attrValue, { maxKeys: 3 });

const paramSchema: fc.Arbitrary<ParamSchema> = fc
  .record({
    name: fc.constantFrom(...KEYS),
    type: fc.constantFrom('string', 'number', 'boolean', 'object', 'array') as fc.Arbitrary<ParamSchema['type']>,
    required: fc.boolean(),
    integer: fc.boolean(),
    min: fc.option(fc.integer({ min: -5, max: 50 }), { nil: null }),
    max: fc.option(fc.integer({ min: 0, max: 100 }), { nil: null }),
    maxLength: fc.option(fc.nat(6), { nil: null }),
    enumValues: fc.option(
      fc.array(fc.oneof(fc.constantFrom(...STRINGS), fc.integer({ min: 0, max: 3 }), fc.boolean()), {
        minLength: 1,
        maxLength: 3,
      }),
      { nil: null },
    ),
    pattern: fc.option(globFrom(STRINGS.filter((s) => s !== '')), { nil: null }),
  })
  .map((p) => ({
    name: p.name,
    type: p.type,
    required: p.required,
    integer: p.type === 'number' && p.integer,
    min: p.type === 'number' ? p.min : null,
    max: p.type === 'number' ? p.max : null,
    maxLength: p.type === 'string' || p.type === 'array' ? p.maxLength : null,
    enum:
      p.type === 'string' || p.type === 'number' || p.type === 'boolean'
        ? (p.enumValues?.filter((v) => typeof v === p.type) ?? null)
        : null,
    pattern: p.type === 'string' ? p.pattern : null,
  }))
  .map((p) => ({ ...p, enum: p.enum && p.enum.length > 0 ? p.enum : null }));

const actionEntry: fc.Arbitrary<ActionEntry> = fc.record({
  match: globFrom(ACTIONS),
  attrs,
  params: fc.option(
    fc
      .uniqueArray(paramSchema, { selector: (p) => p.name, maxLength: 3 })
      .map((ps) => ps.sort((a, b) => (a.name < b.name ? -1 : 1))),
    { nil: null, freq: 2 },
  ),
  additionalParams: fc.boolean(),
  logParams: fc.constant([]),
  cost: fc.constant(null),
});
const resourceEntry: fc.Arbitrary<ResourceEntry> = fc.record({ match: globFrom(RESOURCES), attrs });

const period = fc.constantFrom('day', 'month') as fc.Arbitrary<'day' | 'month'>;
const ruleBody = fc.record({
  effect: fc.constantFrom('allow', 'allow', 'deny', 'require_approval') as fc.Arbitrary<Rule['effect']>,
  actions: fc.option(fc.array(globFrom(ACTIONS), { minLength: 1, maxLength: 2 }), { nil: null }),
  resources: fc.option(fc.array(globFrom(RESOURCES), { minLength: 1, maxLength: 2 }), { nil: null }),
  agents: fc.option(fc.array(globFrom(AGENTS), { minLength: 1, maxLength: 2 }), { nil: null, freq: 3 }),
  roles: fc.option(fc.uniqueArray(fc.constantFrom(...ROLES), { minLength: 1, maxLength: 2 }), { nil: null, freq: 3 }),
  when: fc.option(condition, { nil: null }),
  rate: fc.option(fc.integer({ min: 1, max: 5 }), { nil: null }),
  spend: fc.option(fc.record({ usd: fc.constantFrom(0, 1, 10, 0.3), per: period }), { nil: null }),
  tokens: fc.option(fc.record({ count: fc.constantFrom(0, 100, 1000), per: period }), { nil: null }),
  mode: fc.constantFrom(null, null, null, 'enforce', 'shadow') as fc.Arbitrary<Rule['mode']>,
});

export const policySet: fc.Arbitrary<PolicySet> = fc
  .record({
    mode: fc.constantFrom('enforce', 'enforce', 'enforce', 'shadow') as fc.Arbitrary<PolicySet['mode']>,
    registry: fc.constantFrom('open', 'open', 'closed') as fc.Arbitrary<PolicySet['registry']>,
    actions: fc.array(actionEntry, { maxLength: 3 }),
    resources: fc.array(resourceEntry, { maxLength: 3 }),
    rules: fc.array(ruleBody, { minLength: 0, maxLength: 8 }),
    risk: fc.option(fc.record({ escalateAt: fc.constantFrom(10, 50), denyAt: fc.constantFrom(50, 100) }), {
      nil: null,
    }),
    budgets: fc.option(
      fc.record({
        spend: fc.option(fc.record({ usd: fc.constantFrom(0, 1, 10, 0.3, 9.999999), per: period }), { nil: null }),
        tokens: fc.option(fc.record({ count: fc.constantFrom(0, 100, 1000), per: period }), { nil: null }),
      }),
      { nil: null, freq: 2 },
    ),
    dlp: fc.array(fc.tuple(fc.constantFrom(...DETECTORS), fc.constantFrom('deny', 'redact', 'none')), {
      maxLength: 10,
    }),
    dlpCustom: fc.subarray([
      { name: 'acme_token', pattern: 'acme_[0-9a-f]{4}' },
      { name: 'ticket', pattern: '(?i)\\bdb\\.q' },
      { name: 'zzz', pattern: '😀|é$' },
    ]),
  })
  .map((p) => {
    const dlpDeny = DETECTORS.filter((d) => p.dlp.some(([x, e]) => x === d && e === 'deny'));
    return {
      mode: p.mode,
      trust: DEFAULT_TRUST,
      registry: p.registry,
      actions: p.actions,
      resources: p.resources,
      rules: p.rules.map((r, i): Rule => ({
        id: `r${String(i).padStart(2, '0')}`,
        effect: r.effect,
        actions: r.actions,
        resources: r.resources,
        agents: r.agents,
        roles: r.roles,
        when: r.when,
        whenSource: null,
        limits:
          r.effect === 'allow'
            ? {
                rate: r.rate ? { count: r.rate, windowMs: 60_000, unit: 'minute' } : null,
                spend: r.spend,
                tokens: r.tokens,
              }
            : { rate: null, spend: null, tokens: null },
        risk: 1,
        reason: null,
        mode: r.mode,
      })),
      risk: p.risk && {
        windowMs: 3_600_000,
        escalateAt: Math.min(p.risk.escalateAt, p.risk.denyAt),
        denyAt: p.risk.denyAt,
      },
      breaker: null,
      budgets: p.budgets,
      tickets: DEFAULT_TICKETS,
      approvals: DEFAULT_APPROVALS,
      delegation: DEFAULT_DELEGATION,
      dlpDeny,
      dlpRedact: DETECTORS.filter((d) => !dlpDeny.includes(d) && p.dlp.some(([x, e]) => x === d && e === 'redact')),
      dlpCustom: p.dlpCustom,
    };
  });

export const request: fc.Arbitrary<EvalRequest> = fc
  .record(
    {
      action: fc.oneof(
        fc.constantFrom(...ACTIONS),
        stringValue.filter((s) => s.length > 0),
      ),
      resource: fc.oneof(
        fc.constantFrom(...RESOURCES),
        stringValue.filter((s) => s.length > 0),
      ),
      agent: fc.record(
        {
          id: fc.constantFrom(...AGENTS),
          tenant: fc.option(fc.constantFrom('acme', 'é'), { nil: undefined }),
          roles: fc.option(fc.uniqueArray(fc.constantFrom(...ROLES, 'other'), { maxLength: 3 }), { nil: undefined }),
        },
        { requiredKeys: ['id'] },
      ),
      params: fc.option(jsonObject, { nil: undefined }),
      context: fc.option(jsonObject, { nil: undefined }),
      cost: fc.option(
        fc.record(
          { usd: fc.constantFrom(0, 0.1, 0.3, 1, 5, 0.000001, 0.2), tokens: fc.constantFrom(0, 10, 100, 1000) },
          { requiredKeys: [] },
        ),
        { nil: undefined },
      ),
      delegation: fc.option(
        fc.record({
          depth: fc.nat(3),
          root: fc.constantFrom(...AGENTS),
          chain: fc.array(fc.constantFrom(...AGENTS), { maxLength: 3 }),
        }),
        { nil: undefined },
      ),
      facts: fc.option(
        fc.record(
          {
            trust: fc.integer({ min: 0, max: 100 }),
            risk: fc.constantFrom(0, 10, 49, 50, 99, 100, 150),
            suspended: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
            spend: fc.record(
              {
                day: fc.record({ usd: fc.constantFrom(0, 0.7, 9.9, 10), tokens: fc.constantFrom(0, 900, 1000) }),
                month: fc.record({ usd: fc.constantFrom(0, 5), tokens: fc.constantFrom(0, 999) }),
              },
              { requiredKeys: [] },
            ),
            rates: fc.dictionary(fc.constantFrom('r00', 'r01', 'r02', 'r03', 'r04', 'r05', 'r06', 'r07'), fc.nat(6), {
              maxKeys: 4,
            }),
            ledgers: fc.dictionary(
              fc.constantFrom('r00', 'r01', 'r02', 'r03', 'r04', 'r05', 'r06', 'r07'),
              fc.record(
                { usd: fc.constantFrom(0, 0.7, 9.9, 9.999999, 10, 0.000001), tokens: fc.constantFrom(0, 900, 1000) },
                { requiredKeys: [] },
              ),
              { maxKeys: 4 },
            ),
            now: fc.integer({ min: 0, max: 4_102_444_800_000 }),
          },
          { requiredKeys: [] },
        ),
        { nil: undefined },
      ),
    },
    { requiredKeys: ['action', 'resource', 'agent'] },
  )
  .map((r) => {
    // Drop keys fast-check left undefined: a request never carries explicit undefined.
    const clean = Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)) as unknown as EvalRequest;
    clean.agent = Object.fromEntries(
      Object.entries(r.agent).filter(([, v]) => v !== undefined),
    ) as unknown as EvalRequest['agent'];
    return clean;
  });
