/**
 * @module
 * What binds a reply or an approval to the request it answered: a hash of the request's
 * canonical JSON (action, resource, params, context, cost), whatever order its keys came in.
 */
import { sha256Hex } from '../policy/bundle/sha256.js';
import type { JsonValue } from '../policy/decision.js';
import { canonicalJson } from '../tokens/canonical.js';
import type { EngineRequest } from './stateful-engine.js';

/** `sha256:<hex>` of the request's canonical JSON. */
export function requestHash(request: Pick<EngineRequest, 'action' | 'resource' | 'params' | 'context' | 'cost'>): string {
  const bound = { action: request.action, resource: request.resource, params: request.params ?? {}, context: request.context ?? {}, cost: request.cost ?? null };
  return `sha256:${sha256Hex(new TextEncoder().encode(canonicalJson(bound as JsonValue)))}`;
}
