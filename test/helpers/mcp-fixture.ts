/** Where the edge tests' demo MCP upstream listens, and the secret the gateway injects into its calls. */
export const MCP_PORT = 18791;
/** The Worker secret DEMO_MCP_TOKEN in vitest.workers.config.mts; the upstream refuses calls without it. */
export const MCP_SECRET = 'demo-mcp-secret';
