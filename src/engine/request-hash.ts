/**
 * @module
 * What binds a reply or an approval to the request it answered: a hash of the request's
 * canonical JSON (action, resource, params, context, cost), whatever order its keys came in.
 */
import { sha256DigestOfJson } from '../lib/digest.js';
import type { JsonValue } from '../lib/json.js';
import type { EngineRequest } from './stateful-engine.js';

/** `sha256:<hex>` of the request's canonical JSON. */
export function requestHash(
  request: Pick<EngineRequest, 'action' | 'resource' | 'params' | 'context' | 'cost'>,
): string {
  const bound = {
    action: request.action,
    resource: request.resource,
    params: request.params ?? {},
    context: request.context ?? {},
    cost: request.cost ?? null,
  };
  return sha256DigestOfJson(bound as JsonValue);
}
