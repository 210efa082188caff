import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { globMatch } from '../policy/glob.js';
import { globSubset } from '../policy/glob-subset.js';
import { askProblem, narrow, outsideChain, rootRights, type DelegationAsk, type Rights } from './delegation.js';

const NOW = 1_800_000_000;
const root = rootRights({ id: 'root', tenant: 'acme', roles: ['a', 'b', 'c'], exp: NOW + 7200 });

const POOL = [
  '**',
  'db**',
  'db.*',
  'db.q*',
  'db.query',
  'db.write',
  'db:**',
  'db:prod/**',
  'db:prod/*',
  'db:prod/q',
  '*',
  'github.*',
  '*.q*',
  'db*q',
];

const MODE = fc.constantFrom('inherit', 'inherit', 'narrow', 'narrow', 'narrow', 'random');

/** How one step of a chain asks: each right inherited, narrowed from the delegator's, or picked at random (often wider). */
const stepArb = fc.record({
  name: fc.integer({ min: 1, max: 40 }).map((i) => `c${i}`),
  actions: fc.tuple(MODE, fc.array(fc.nat(), { minLength: 1, maxLength: 2 })),
  resources: fc.tuple(MODE, fc.array(fc.nat(), { minLength: 1, maxLength: 2 })),
  roles: fc.tuple(MODE, fc.subarray(['a', 'b', 'c', 'd'])),
  budget: fc.tuple(MODE, fc.double({ min: 0, max: 1, noNaN: true })),
  ttl: fc.tuple(MODE, fc.double({ min: 0, max: 1, noNaN: true })),
});
type Step = typeof stepArb extends fc.Arbitrary<infer T> ? T : never;

function globsFor([mode, picks]: Step['actions'], current: string[]): string[] | undefined {
  if (mode === 'inherit') return undefined;
  const choices = mode === 'random' ? POOL : POOL.filter((g) => current.some((c) => globSubset(g, c)));
  return choices.length === 0 ? undefined : picks.map((i) => choices[i % choices.length]);
}

/** The ask a step makes of its delegator. */
function askOf(step: Step, parent: Rights): DelegationAsk {
  const own = parent.links.at(-1);
  const pick = <T>([mode, x]: [string, T], narrowed: (x: T) => unknown, random: (x: T) => unknown) =>
    mode === 'inherit' ? undefined : mode === 'narrow' ? narrowed(x) : random(x);
  const ask = {
    name: step.name,
    actions: globsFor(step.actions, own?.actions ?? ['**']),
    resources: globsFor(step.resources, own?.resources ?? ['**']),
    roles: pick(
      step.roles,
      (r) => r.filter((x) => parent.roles.includes(x)),
      (r) => r,
    ),
    budget_usd: pick(
      step.budget,
      (f) => Math.floor(f * (own?.budget_usd ?? 100)),
      (f) => Math.floor(f * 100),
    ),
    ttl_seconds: pick(
      step.ttl,
      (f) => Math.max(1, Math.floor(f * (parent.exp - NOW))),
      (f) => 1 + Math.floor(f * 8000),
    ),
  } as Record<string, unknown>;
  for (const key of Object.keys(ask)) if (ask[key] === undefined) delete ask[key];
  return ask as unknown as DelegationAsk;
}

/** Delegates step by step from `root`, stopping at the first refusal; returns the accepted chain. */
function chainOf(steps: Step[], maxDepth: number): Rights[] {
  const chain: Rights[] = [root];
  for (const step of steps) {
    const r = narrow(chain.at(-1)!, askOf(step, chain.at(-1)!), maxDepth, NOW);
    if (!r.ok) break;
    chain.push({ ...r.child, trustCeiling: null });
  }
  return chain;
}

const textArb = fc
  .array(fc.constantFrom('db', '.', 'query', 'write', ':', 'prod', '/', 'x', 'github', 'q'), { maxLength: 6 })
  .map((p) => p.join(''));
const depths: Record<number, number> = {};

describe('delegation chains', () => {
  it('property: what the last agent may do is within the rights of every link, whatever was asked', () => {
    fc.assert(
      fc.property(
        fc.array(stepArb, { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.tuple(textArb, textArb), { maxLength: 30 }),
        (steps, maxDepth, probes) => {
          const chain = chainOf(steps, maxDepth);
          depths[chain.length - 1] = (depths[chain.length - 1] ?? 0) + 1;
          const last = chain.at(-1)!;
          expect(last.depth).toBeLessThanOrEqual(maxDepth);
          expect(new Set([last.agent, ...last.chain]).size).toBe(last.chain.length + 1); // no loops
          for (let i = 1; i < chain.length; i++) {
            const [parent, child] = [chain[i - 1], chain[i]];
            expect(child.roles.every((r) => parent.roles.includes(r))).toBe(true);
            expect(child.exp).toBeLessThanOrEqual(parent.exp);
            const [pl, cl] = [parent.links.at(-1), child.links.at(-1)!];
            if (pl?.budget_usd != null) expect(cl.budget_usd).toBeLessThanOrEqual(pl.budget_usd);
          }
          // Effective rights: checked against the last link only, they are inside every link's.
          const own = last.links.at(-1);
          for (const [action, resource] of probes) {
            if (
              !own ||
              !own.actions.some((g) => globMatch(g, action)) ||
              !own.resources.some((g) => globMatch(g, resource))
            )
              continue;
            expect(outsideChain(last.links, action, resource)).toBeNull();
          }
        },
      ),
      { numRuns: 2000 },
    );
    // Not vacuous: many chains grow three links deep or more (and many stop at a refusal).
    expect(
      Object.entries(depths)
        .filter(([d]) => Number(d) >= 3)
        .reduce((n, [, c]) => n + c, 0),
      JSON.stringify(depths),
    ).toBeGreaterThan(100);
  });

  it('refuses widening, a later expiry, excess depth and names that could collide, naming what is wrong', () => {
    const child = narrow(
      root,
      { name: 'c1', actions: ['db.*'], resources: ['db:dev/**'], roles: ['a'], budget_usd: 5, ttl_seconds: 600 },
      2,
      NOW,
    );
    expect(child.ok).toBe(true);
    const c1: Rights = { ...(child.ok ? child.child : root), trustCeiling: 50 };
    const refuse = (parent: Rights, ask: DelegationAsk, maxDepth = 2) => {
      const r = narrow(parent, ask, maxDepth, NOW);
      return r.ok ? 'accepted' : r.message;
    };
    expect(refuse(c1, { name: 'c2', actions: ['db.*', 'github.*'] })).toMatch(
      /^actions: .* is not within the delegator's \["db\.\*"\]/,
    );
    expect(refuse(c1, { name: 'c2', actions: ['**'] })).toMatch(/^actions:/);
    expect(refuse(c1, { name: 'c2', resources: ['db:**'] })).toMatch(/^resources:/);
    expect(refuse(c1, { name: 'c2', roles: ['a', 'b'] })).toBe("roles: the delegator does not hold 'b'");
    expect(refuse(c1, { name: 'c2', budget_usd: 6 })).toBe("budget_usd: 6 is above the delegator's 5");
    expect(refuse(c1, { name: 'c2', ttl_seconds: 601 })).toMatch(/^ttl_seconds: the delegation would outlive/);
    // A child is named under its delegator, so no name makes a loop or takes another agent's id.
    expect(narrow(c1, { name: 'root' }, 2, NOW)).toMatchObject({
      ok: true,
      child: { agent: 'root/c1/root', chain: ['root', 'root/c1'] },
    });
    expect(askProblem({ name: 'x/y' })).toMatch(/^name: .* without '\/'/);
    expect(askProblem({ agent: 'root' })).toMatch(/^agent: is not a known field/);
    expect(refuse(c1, { name: 'c2' }, 1)).toBe('the chain would be 2 deep; the policy allows at most 1');
    expect(refuse(c1, { name: 'c2', actions: ['db.query'], budget_usd: 5, ttl_seconds: 600 })).toBe('accepted');
  });

  it('builds the RFC 8693 act chain, the delegation facts and a link per step', () => {
    const c1 = narrow(root, { name: 'c1' }, 3, NOW);
    if (!c1.ok) throw new Error(c1.message);
    const c2 = narrow({ ...c1.child, trustCeiling: null }, { name: 'c2' }, 3, NOW);
    if (!c2.ok) throw new Error(c2.message);
    expect(c2.child.agent).toBe('root/c1/c2'); // each child is named under its delegator
    expect(c2.child.act).toEqual({ sub: 'root/c1', act: { sub: 'root' } });
    expect([c2.child.depth, c2.child.root, c2.child.chain]).toEqual([2, 'root', ['root', 'root/c1']]);
    expect(c2.child.links.map((l) => l.agent)).toEqual(['root/c1', 'root/c1/c2']);
    expect(c2.child.exp).toBe(NOW + 3600); // by default: the delegator's remaining lifetime, at most an hour
  });
});
