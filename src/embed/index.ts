/**
 * @module
 * `tollgate/embed`: compile policies and decide in your own process — Node, browsers or
 * Workers — with exactly the edge's semantics.
 */
export { createEngine } from './engine.js';
export { createEvaluator } from './evaluator.js';
export type { Evaluator } from './evaluator.js';
export type { AgentRef, Engine, EngineOptions, LoadBundleOptions } from './engine.js';
export { signBundle, verifySignedBundle } from '../tokens/signed-bundle.js';
export type { SignedBundle, VerifiedBundle } from '../tokens/signed-bundle.js';
export { compilePolicies } from '../policy/compile.js';
export type { CompiledBundle } from '../policy/compile.js';
export { TollgateError } from '../lib/errors.js';
export type { TollgateErrorCode } from '../lib/errors.js';
export type { JsonValue } from '../lib/json.js';
export { PolicyError, formatIssue } from '../policy/errors.js';
export type { PolicyIssue, PolicyIssueCode } from '../policy/errors.js';
export type { Decision, DecisionError, Reason } from '../engine/describe.js';
export type { EngineRequest, OutcomeKind, OutcomeReport } from '../engine/stateful-engine.js';
export type { AgentView, BudgetView, RateView } from '../engine/state/agent-view.js';
export { MemoryStore } from '../engine/state/store.js';
export type { KeptReply, OpenDecision, StateStore } from '../engine/state/store.js';
export type { AgentRecord, Ledger } from '../engine/state/agent-record.js';
/** @deprecated Renamed `AgentRecord` (`AgentState` was also the edge's Durable Object class, now `AgentObject`). */
export type { AgentRecord as AgentState } from '../engine/state/agent-record.js';
export type { EvalRequest, Facts, Verdict, VerdictDetail, Redaction } from '../policy/verdict.js';
/** @deprecated Renamed `Verdict` (an outcome is what an executor reports after running a call). */
export type { Verdict as Outcome } from '../policy/verdict.js';
