/**
 * @module
 * The Worker's entry: the Hono app, and its Durable Object classes: `AgentState` (one per
 * agent) and `TenantState` (one per tenant).
 */
import { createApp } from './app.js';

export { AgentState } from './agent-state.js';
export { TenantState } from './tenant-state.js';
export default createApp();
