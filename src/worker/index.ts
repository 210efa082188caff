/**
 * @module
 * The Worker's entry: the Hono app, and its Durable Object classes: `AgentObject` (one per
 * agent) and `TenantObject` (one per tenant).
 */
import { createApp } from './app.js';

export { AgentObject } from './agent-object.js';
export { TenantObject } from './tenant-object.js';
export default createApp();
