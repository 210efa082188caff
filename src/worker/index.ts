/**
 * @module
 * The Worker's entry: the Hono app, and its Durable Object classes: `AgentState` (one per
 * agent) and `Revocations` (one per tenant).
 */
import { createApp } from './app.js';

export { AgentState } from './agent-state.js';
export { Revocations } from './delegation/revocations.js';
export default createApp();
