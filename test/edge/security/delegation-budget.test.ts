/**
 * Delegated budgets: a link's daily budget bounds its whole subtree, not each child alone.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { call } from '../http.js';
import { agentToken } from '../tokens.js';

const embed = (usd: number) => ({ action: 'llm.embed', resource: 'llm:openai', cost: { usd } });

async function delegate(token: string, body: object): Promise<{ token: string; agent: string }> {
  const res = await call('POST', '/v1/delegations', { token, body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

let roots = 0;

describe('delegated budgets', () => {
  it('a $5/day link with three chained children spending $4 each allows exactly one', async () => {
    const root = await agentToken('budget-root', ['assistant']);
    const c1 = await delegate(root, { name: 'c1', budget_usd: 5 });
    const c2 = await delegate(c1.token, { name: 'c2' });
    const c3 = await delegate(c2.token, { name: 'c3' });
    const answers = [];
    for (const child of [c1, c2, c3])
      answers.push((await call('POST', '/v1/decide', { token: child.token, body: embed(4) })).body);
    expect(answers.map((a) => a.decision)).toEqual(['allow', 'deny', 'deny']);
    expect(answers[1]).toMatchObject({
      code: 'delegation',
      reasons: [{ message: expect.stringMatching(/delegated budget of 5 USD per day given to 'budget-root\/c1'/) }],
    });
    // Concurrent children can't both take the last dollars either.
    const d = await delegate(root, { name: 'd', budget_usd: 5 });
    const kids = await Promise.all(['k1', 'k2', 'k3', 'k4'].map((name) => delegate(d.token, { name })));
    const racing = await Promise.all(kids.map((k) => call('POST', '/v1/decide', { token: k.token, body: embed(2) })));
    expect(racing.filter((r) => r.body.decision === 'allow')).toHaveLength(2);
  });

  it("property: over random trees and spends, what a budgeted link's subtree is allowed never exceeds its budget", async () => {
    type Node = { token: string; agent: string; path: number[]; budget: number | null };
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ parent: fc.nat(), budget: fc.option(fc.integer({ min: 1, max: 6 }), { nil: null }) }), {
          minLength: 1,
          maxLength: 5,
        }),
        fc.array(fc.record({ node: fc.nat(), usd: fc.integer({ min: 1, max: 4 }) }), { minLength: 1, maxLength: 8 }),
        async (shape, spends) => {
          const rootId = `tree-${roots++}`;
          const nodes: Node[] = [
            { token: await agentToken(rootId, ['assistant']), agent: rootId, path: [], budget: null },
          ];
          for (const [i, step] of shape.entries()) {
            const parent = nodes[step.parent % nodes.length];
            if (parent.path.length >= 3) continue; // the demo policy's max_depth
            const res = await call('POST', '/v1/delegations', {
              token: parent.token,
              body: { name: `n${i}`, ...(step.budget !== null ? { budget_usd: step.budget } : {}) },
            });
            if (res.status !== 201) continue; // a budget above the delegator's is refused: that is narrowing at work
            nodes.push({
              token: res.body.token,
              agent: res.body.agent,
              path: [...parent.path, nodes.length],
              budget: res.body.budget_usd,
            });
          }
          const allowedBy = new Map<number, number>();
          for (const s of spends) {
            const n = s.node % nodes.length;
            const d = (await call('POST', '/v1/decide', { token: nodes[n].token, body: embed(s.usd) })).body;
            if (d.decision === 'allow') allowedBy.set(n, (allowedBy.get(n) ?? 0) + s.usd);
          }
          // Every link with a budget bounds the sum allowed to it and everyone below it.
          for (const [i, node] of nodes.entries()) {
            if (i === 0 || node.budget === null) continue;
            const subtree = [...allowedBy]
              .filter(([n]) => n === i || nodes[n].path.includes(i))
              .reduce((sum, [, usd]) => sum + usd, 0);
            expect(subtree).toBeLessThanOrEqual(node.budget);
          }
        },
      ),
      { numRuns: 25 },
    );
  }, 120_000);
});
