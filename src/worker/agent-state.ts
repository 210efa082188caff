/**
 * @module
 * The `AgentState` Durable Object: one per `tenant:agent`, holding the evaluator warm and
 * the agent's state in SQLite. A thin shell: the stateful engine does the work, and every
 * RPC method is synchronous from the state it reads to the state it writes.
 */
import { DurableObject } from 'cloudflare:workers';
import type { Decision } from '../engine/decision.js';
import type { AgentView } from '../engine/state/agent-view.js';
import { StatefulEngine, type EngineRequest, type OutcomeReport } from '../engine/stateful-engine.js';
import { WasmEvaluator } from '../engine/wasm-evaluator.js';
import type { Env } from './env.js';
import { POLICY_BUNDLE, POLICY_WASM } from './policy-source.js';
import { SqlStateStore } from './sql-store.js';

export class AgentState extends DurableObject<Env> {
  private engine: StatefulEngine | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // The engine must be ready before any call; if the bundle fails to load, every call fails (and is answered 503).
    void ctx.blockConcurrencyWhile(async () => {
      const evaluator = await WasmEvaluator.create(POLICY_WASM, POLICY_BUNDLE);
      this.engine = new StatefulEngine(evaluator, new SqlStateStore(ctx.storage.sql));
    });
  }

  private ready(): StatefulEngine {
    if (!this.engine) throw new Error('agent state is not loaded');
    return this.engine;
  }

  decide(request: EngineRequest): Decision {
    return this.ready().decide(request);
  }

  decideBatch(requests: EngineRequest[]): Decision[] {
    const engine = this.ready();
    return requests.map((r) => engine.decide(r));
  }

  outcome(report: OutcomeReport): AgentView {
    return this.ready().outcome(report);
  }

  state(agent: { id: string; tenant?: string }): AgentView {
    return this.ready().state(agent);
  }

  setKilled(agent: { id: string; tenant?: string }, killed: boolean): AgentView {
    return this.ready().setKilled(agent, killed);
  }
}
