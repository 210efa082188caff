/**
 * Parity of state: for random policies (with rates, budgets, risk and the breaker) and random
 * request sequences over time, the embed engine (memory store) and an agent's Durable Object
 * (SQLite storage, reached through its RPC stub) give the same decisions and end in the same
 * state. Both run the same clock, so time is the only thing they share.
 */
import { env, runInDurableObject } from 'cloudflare:test';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { createEngine } from '../../src/embed/engine.js';
import { StatefulEngine, type EngineRequest } from '../../src/engine/stateful-engine.js';
import { WasmEvaluator } from '../../src/engine/wasm-evaluator.js';
import { compilePolicySet } from '../../src/policy/compile.js';
import type { BreakerCode } from '../../src/policy/model.js';
import { POLICY_WASM } from '../../src/worker/policy-source.js';
import { SqlStateStore } from '../../src/worker/sql-store.js';
import { AGENTS, policySet, request } from '../differential/arbitraries.js';

const step = fc.record({
  // As a client would send it: JSON (the RPC stub only carries plain, cloneable data).
  request: request.map((r) => JSON.parse(JSON.stringify({ ...r, facts: undefined })) as EngineRequest),
  advanceMs: fc.constantFrom(0, 1, 999, 15_000, 59_999, 60_000, 3_600_000),
  outcome: fc.option(fc.constantFrom('success', 'failure', 'exception', 'violation') as fc.Arbitrary<'success'>, {
    freq: 4,
  }),
});
// Policies with the stateful settings on: a breaker, and risk.
const statefulPolicy = policySet.map((p) => ({
  ...p,
  breaker: {
    denies: 3,
    windowMs: 60_000,
    cooldownMs: 120_000,
    count: ['rule', 'no_match', 'rate_limited', 'budget_exceeded'] as BreakerCode[],
  },
  risk: p.risk ?? { windowMs: 3_600_000, escalateAt: 3, denyAt: 6 },
}));

let run = 0;

it('the embed engine and the Durable Object agree on every decision and on the final state', async () => {
  await fc.assert(
    fc.asyncProperty(statefulPolicy, fc.array(step, { minLength: 5, maxLength: 25 }), async (policy, steps) => {
      const bytes = compilePolicySet(policy).bytes;
      let now = Date.parse('2026-11-23T23:00:00Z');
      const clock = () => now;
      const embed = await createEngine({ bundle: bytes, wasm: POLICY_WASM, clock });
      const stub = env.AGENTS.get(env.AGENTS.idFromName(`parity:${run++}`));
      const evaluator = await WasmEvaluator.create(POLICY_WASM, bytes);
      await runInDurableObject(stub, (instance, ctx) => {
        // The object's own engine, on this policy and this clock, over its own SQLite storage.
        (instance as unknown as { engine: StatefulEngine }).engine = new StatefulEngine(
          evaluator,
          new SqlStateStore(ctx.storage.sql),
          clock,
        );
      });
      for (const s of steps) {
        now += s.advanceMs;
        // Decision ids are random, and only the edge keeps an audit chain and opens approvals: everything else agrees.
        const { ticket, id: edgeId, audit, approval, ...edge } = await stub.decide(s.request);
        expect(approval === undefined).toBe(edge.decision !== 'require_approval');
        const { id: localId, ...local } = embed.decide(s.request);
        expect(edge).toEqual(local);
        expect(audit).toBeDefined();
        expect(ticket === undefined).toBe(local.decision !== 'allow'); // the edge adds a ticket to every allow
        const agent = s.request.agent;
        if (s.outcome && typeof agent?.id === 'string') {
          // Each engine settles its own decision: both settle it, or both refuse (a decision that was not allowed, or settled already).
          const atEdge = await stub.outcome(
            { agent, decision: edgeId, outcome: s.outcome },
            { kind: 'operator', id: 'ops-1' },
          );
          let inEmbed: unknown;
          try {
            inEmbed = { ok: true, state: embed.outcome({ agent, decision: localId, outcome: s.outcome }) };
          } catch (err) {
            expect((err as { code?: string }).code).toBe('decision_not_open');
            inEmbed = { ok: false, code: 'conflict' };
          }
          expect(atEdge).toMatchObject(inEmbed as object);
        }
      }
      for (const id of AGENTS) {
        for (const tenant of [undefined, 'acme', 'é']) {
          expect(await stub.state({ id, tenant })).toEqual(embed.state({ id, tenant }));
        }
      }
    }),
    { numRuns: 60 },
  );
});
