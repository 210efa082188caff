/**
 * @module
 * The Worker's entry: the Hono app, and the `AgentState` Durable Object class.
 */
import { createApp } from './app.js';

export { AgentState } from './agent-state.js';
export default createApp();
