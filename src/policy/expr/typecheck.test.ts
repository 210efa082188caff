import { describe, expect, it } from 'vitest';
import { parseExpr } from './parser.js';
import { typecheck, type TypeEnv } from './typecheck.js';

const env: TypeEnv = {
  actionAttrs: new Map([['risk', 'str']]),
  resourceAttrs: new Map([
    ['trust_required', 'num'],
    ['hosts', 'list'],
  ]),
};
const problems = (src: string) => {
  try {
    return typecheck(parseExpr(src), env).map((p) => `${p.code}: ${p.message}`);
  } catch (err) {
    return [`${(err as { code: string }).code}: ${(err as Error).message}`];
  }
};

describe('typecheck', () => {
  it.each([
    'agent.trust >= resource.trust_required',
    'context.host in resource.hosts',
    'action.risk == "high" || params.force == true',
    'now.hour >= 9 && !(agent.tenant == null)',
    'context.rows * 2 > 1000',
    'resource.name.glob("db:*")',
    'resource.name.matches("^db:(prod|dev)/")',
    'params.sql.lowerAscii().trim().matches("(?i)drop")',
    'size(agent.roles) > 0 && agent.id.size() < 64 && context.tags.size() < 3',
    'agent.roles.exists(r, r.startsWith("adm")) && context.items.all(i, i.price < 100 && i.tags.exists(t, t == "x"))',
  ])('accepts %s', (src) => {
    expect(problems(src)).toEqual([]);
  });

  it.each([
    ['agent.trust > "x"', /type_error: '>' needs two numbers or two strings/],
    ['agent.nope == 1', /unknown_path: unknown path 'agent.nope'/],
    ['agent.trst > 1', /unknown path 'agent.trst'. Did you mean 'agent.trust'\?/],
    ['resource.trust_requird > 1', /Did you mean 'resource.trust_required'\?/],
    ['contxt.x == 1', /unknown name 'contxt'.*Did you mean 'context'\?/],
    ['resource.owner == "x"', /no 'resources' entry declares the attribute 'owner'/],
    ['agent.trust.x == 1', /'agent.trust' has no fields/],
    ['params', /must name a field/],
    ['agent.trust + 1', /condition must be a boolean/],
    ['!agent.trust', /'!' needs a boolean/],
    ['agent.roles == agent.roles', /cannot compare lists/],
    ['1 in 2', /right side of 'in' must be a list/],
    ['agent.id.glob(context.glob)', /'glob' takes a string literal: a glob/],
    ['agent.id.matches(context.re)', /'matches' takes a string literal: an RE2 pattern/],
    ['agent.id.matches("(a)\\\\1")', /bad_regex: 'matches' pattern "\(a\)\\\\1": backreferences are not supported/],
    ['agent.id.matches("(?=x)")', /lookaround is not supported/],
    ['agent.trust.lowerAscii() == "x"', /'lowerAscii' needs a string, not a number/],
    ['agent.trust.size() > 1', /'size' needs a string or a list, not a number/],
    ['agent.trust.exists(x, x > 1)', /'exists' needs a list, not a number/],
    ['agent.roles.all(r, r.size())', /the predicate of 'all' needs a boolean, not a number/],
    ['agent.roles.exists(params, true)', /'params' is a reserved name/],
    ['agent.roles.exists(r r)', /expected ','/],
    ['agent.roles.exists(a, a.exists(b, b.exists(c, c.exists(d, d.exists(e, true)))))', /macros nest deeper than 4/],
    ['agent.id.lowercase() == "x"', /expr_syntax: unknown function 'lowercase'; did you mean 'lowerAscii'\?/],
    ['agent.id.strtsWith("x")', /did you mean 'startsWith'\?/],
    ['agent.trust == "a"', /compares a number with a string/],
  ])('rejects %s', (src, message) => {
    expect(problems(src).join('\n')).toMatch(message);
  });
});
