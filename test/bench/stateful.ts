/**
 * The stateful path embedders call, `createEngine().decide`, with its default memory store:
 * the policies with a rate limit and a budget on every allow rule, so each decision reads
 * and commits the windows and ledgers it would in production, over many agents (so limits
 * are in play and rarely hit). Beside it, the pure evaluator on the same requests with the
 * facts the engine would build, and what the memory store holds per agent.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEngine } from '../../dist/embed/engine.js';
import { WasmEvaluator } from '../../dist/engine/wasm-evaluator.js';
import { compilePolicies } from '../../dist/policy/compile.js';
import type { EngineRequest } from '../../src/engine/stateful-engine.js';
import type { EvalRequest } from '../../src/policy/verdict.js';
import { toTollgateYaml, type BenchRule } from './agent-policy.js';
import { evaluatorRows, measure, type Measurement } from './measure.js';

/** Agents the stateful requests rotate over: enough that no agent reaches its rate limit. */
const AGENTS = 10_000;
const LIMITS = '{ rate: 1000/second, spend: { usd: 100000, per: day } }';
const COST = { usd: 0.001 };

/** The bench policy with a rate limit and a budget on every allow rule. */
export function limitedFiles(rules: BenchRule[]): Record<string, string> {
  return { 'bench-limited.yaml': toTollgateYaml(rules, LIMITS) };
}

/** The requests as the engine takes them (no facts: the engine keeps them), spread over many agents. */
export function engineRequests(requests: EvalRequest[]): EngineRequest[] {
  return requests.map((r, i) => {
    const { facts: _facts, ...rest } = r;
    return { ...rest, agent: { ...r.agent, id: `agent-${i % AGENTS}` }, cost: COST } as EngineRequest;
  });
}

/** The pure evaluator's input for the same requests: the facts a fresh agent has (trust 50). */
function pureRequests(requests: EngineRequest[]): EvalRequest[] {
  const now = Date.now();
  return requests.map((r) => ({ ...r, facts: { trust: 50, now } }) as EvalRequest);
}

export interface StatefulRows {
  pure: Measurement;
  encoded: Measurement;
  stateful: Measurement;
}

/** The pure evaluator (JS input and pre-encoded) and `engine.decide`, on one limited policy. */
export async function statefulRows(
  wasm: WebAssembly.Module,
  files: Record<string, string>,
  requests: EngineRequest[],
  seconds: number,
): Promise<StatefulRows> {
  const bundle = compilePolicies(files);
  const evaluator = await WasmEvaluator.create(wasm, bundle.bytes);
  const engine = await createEngine({ bundle, wasm });
  const [pure, encoded] = evaluatorRows(evaluator, pureRequests(requests), seconds);
  return {
    pure,
    encoded,
    stateful: measure('tollgate engine.decide (memory store)', requests, (r) => engine.decide(r), seconds),
  };
}

/** The demo policies (policies/), with their own limits, and requests that pass through them. */
export function demoPolicy(): { files: Record<string, string>; requests: EngineRequest[] } {
  const dir = new URL('../../policies/', import.meta.url).pathname;
  const files: Record<string, string> = {};
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.yaml')))
    files[name] = readFileSync(join(dir, name), 'utf8');
  const shapes: Omit<EngineRequest, 'agent'>[] = [
    { action: 'llm.chat', resource: 'llm:openai', params: { model: 'gpt-4o-mini' }, cost: { usd: 0.0001, tokens: 10 } },
    { action: 'llm.embed', resource: 'llm:openai', cost: { usd: 0.0001 } },
    { action: 'db.query', resource: 'db:staging/orders', params: { sql: 'select 1' } },
    { action: 'slack.post', resource: 'slack:acme', params: { channel: '#eng', text: 'deployed' } },
    { action: 'shell.exec', resource: 'host:prod', params: { cmd: 'ls' } },
  ];
  // An agent per request: each makes a handful of calls a run, well inside llm.chat's 60 a minute.
  const requests = Array.from({ length: 50_000 }, (_, i) => ({
    ...shapes[i % shapes.length],
    agent: { id: `demo-${i}`, roles: ['assistant', 'analyst'] },
  })) as EngineRequest[];
  return { files, requests };
}

/**
 * What the memory store holds per agent: `agents` agents each make one allowed, limited
 * decision (an agent record with a rate window and ledgers, and one open decision). Needs
 * `--expose-gc`; returns null without it.
 */
export async function memoryPerAgent(
  wasm: WebAssembly.Module,
  files: Record<string, string>,
  request: EngineRequest,
  agents: number,
): Promise<{ bytesPerAgent: number; totalMiB: number } | null> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return null;
  const engine = await createEngine({ bundle: compilePolicies(files), wasm });
  engine.decide({ ...request, agent: { ...request.agent, id: 'warm-up' } });
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < agents; i++) {
    const d = engine.decide({ ...request, agent: { ...request.agent, id: `mem-${i}` } });
    if (d.decision !== 'allow') throw new Error(`the memory bench's request was not allowed: ${d.code}`);
  }
  gc();
  const used = process.memoryUsage().heapUsed - before;
  return { bytesPerAgent: used / agents, totalMiB: used / 2 ** 20 };
}
