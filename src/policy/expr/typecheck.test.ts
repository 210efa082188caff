import { describe, expect, it } from 'vitest';
import { parseExpr } from './parser.js';
import { typecheck, type TypeEnv } from './typecheck.js';

const env: TypeEnv = {
  actionAttrs: new Map([['risk', 'str']]),
  resourceAttrs: new Map([['trust_required', 'num'], ['hosts', 'list']]),
};
const problems = (src: string) => typecheck(parseExpr(src), env).map((p) => `${p.code}: ${p.message}`);

describe('typecheck', () => {
  it.each([
    'agent.trust >= resource.trust_required',
    'context.host in resource.hosts',
    'action.risk == "high" || params.force == true',
    'now.hour >= 9 && !(agent.tenant == null)',
    'context.rows * 2 > 1000',
    'resource.name.matches("db:*")',
  ])('accepts %s', (src) => {
    expect(problems(src)).toEqual([]);
  });

  it.each([
    ['agent.trust > "x"', /type_error: '>' needs two numbers or two strings/],
    ['agent.nope == 1', /unknown_path: unknown path 'agent.nope'/],
    ['resource.owner == "x"', /no 'resources' entry declares the attribute 'owner'/],
    ['agent.trust.x == 1', /'agent.trust' has no fields/],
    ['params', /must name a field/],
    ['agent.trust + 1', /condition must be a boolean/],
    ['!agent.trust', /'!' needs a boolean/],
    ['agent.roles == agent.roles', /cannot compare lists/],
    ['1 in 2', /right side of 'in' must be a list/],
    ['agent.id.matches(context.glob)', /string literal glob/],
    ['agent.trust == "a"', /compares a number with a string/],
  ])('rejects %s', (src, message) => {
    expect(problems(src).join('\n')).toMatch(message);
  });
});
