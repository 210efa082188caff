/**
 * The shared conformance case files inside workerd, through the one runner: the WASM
 * evaluator with the module the Worker imports, and the edge's stateful path — the engine
 * a Durable Object runs, over the object's real SQLite storage, with the agent's state
 * seeded from each case's facts.
 */
import { env, runInDurableObject } from 'cloudflare:test';
import { newAgentRecord, newLedgers, type AgentRecord } from '../../src/engine/state/agent-record.js';
import { agentKey, StatefulEngine } from '../../src/engine/stateful-engine.js';
import { WasmEvaluator } from '../../src/engine/wasm-evaluator.js';
import { compilePolicies } from '../../src/policy/compile.js';
import { toMicros } from '../../src/policy/money.js';
import type { EvalRequest, Facts, SpendFacts, Verdict } from '../../src/policy/verdict.js';
import { POLICY_WASM } from '../../src/worker/policy-source.js';
import { SqlStateStore } from '../../src/worker/sql-store.js';
import { runConformance } from '../conformance/runner.js';

runConformance({
  name: 'WASM in workerd',
  engine: async (policies) => {
    const evaluator = await WasmEvaluator.create(POLICY_WASM, compilePolicies(policies).bytes);
    return (requests) => requests.map((r) => evaluator.evaluate(r));
  },
});

/** A ledger holding `spend` as spent, in both periods (a rule's limit reads the one it is per). */
function spentLedgers(spend: SpendFacts | undefined, now: number) {
  const ledgers = newLedgers(now);
  for (const ledger of [ledgers.day, ledgers.month]) {
    ledger.spentMicros = toMicros(spend?.usd ?? 0)!;
    ledger.spentTokens = spend?.tokens ?? 0;
  }
  return ledgers;
}

/** The agent's record that gives the evaluator exactly the case's facts. */
function recordFor(facts: Facts, initialTrust: number, now: number): AgentRecord {
  const record = newAgentRecord(facts.trust ?? initialTrust, now);
  record.killed = facts.suspended === true;
  if (facts.risk) record.risk = [[now, facts.risk]];
  for (const [rule, count] of Object.entries(facts.rates ?? {}))
    record.rates[rule] = Array.from({ length: count }, () => now);
  const day = spentLedgers(facts.spend?.day, now).day;
  const month = spentLedgers(facts.spend?.month, now).month;
  Object.assign(record, { day, month });
  for (const [rule, spend] of Object.entries(facts.ledgers ?? {})) record.ruleLedgers[rule] = spentLedgers(spend, now);
  return record;
}

runConformance({
  name: 'edge',
  engine: async (policies, cases) => {
    const evaluator = await WasmEvaluator.create(POLICY_WASM, compilePolicies(policies).bytes);
    // The engine answers with a Decision; the verdict under it is read where the engine asks
    // the evaluator, which is otherwise left exactly as it is.
    let verdict: Verdict | null = null;
    const evaluate = evaluator.evaluate.bind(evaluator);
    evaluator.evaluate = (request: EvalRequest) => (verdict = evaluate(request));
    const stub = env.AGENTS.get(env.AGENTS.newUniqueId());
    return (requests) =>
      runInDurableObject(stub, (_, state) => {
        const store = new SqlStateStore(state.storage.sql);
        let now = 0;
        const engine = new StatefulEngine(evaluator, store, () => now);
        return requests.map((request, i) => {
          const facts = cases[i].request.facts ?? {};
          now = facts.now ?? 0;
          const { facts: _facts, ...engineRequest } = request;
          store.put(agentKey(request.agent), recordFor(facts, evaluator.info.trust.initial, now));
          verdict = null;
          engine.decide(engineRequest);
          return verdict ?? ({ decision: 'deny', code: 'evaluator_error' } as Verdict);
        });
      });
  },
});
