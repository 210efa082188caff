/**
 * @module
 * The Worker's entry: the Hono app, and its Durable Object classes: `AgentObject` (one per
 * agent), `TenantObject` (one per tenant) and `DecisionFeed` (the tenant's live decisions).
 */
import { createApp } from './app.js';

export { AgentObject } from './agent-object.js';
export { TenantObject } from './tenant-object.js';
export { DecisionFeed } from './live/feed-object.js';
export default createApp();
