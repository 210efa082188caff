/**
 * Both protocol eras through the gateway, with the official SDK's clients against the demo
 * upstream (a real server on loopback): the v1 client (2025 line, initialize and a session)
 * and the v2 client pinned to 2026-07-28 (stateless, server/discover) list and call tools.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { agentToken } from '../tokens.js';
import { approveTools, DEMO_TOOLS, legacyClient, modernClient, received } from './gateway.js';

beforeAll(() => approveTools());

describe('the MCP gateway, both eras', () => {
  it('a v1 client (2025 line) lists and calls tools in a session', async () => {
    const { client, transport } = await legacyClient(await agentToken('mcp-eras-1', ['assistant']));
    expect(transport.sessionId).toMatch(/^tg1\./);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(DEMO_TOOLS);
    const result = await client.callTool({ name: 'echo', arguments: { text: 'hello through the gateway' } });
    expect(result.content).toEqual([{ type: 'text', text: 'hello through the gateway' }]);
    await client.close();
  });

  it('a v2 client (2026-07-28) lists and calls tools, statelessly', async () => {
    const client = await modernClient(await agentToken('mcp-eras-2', ['assistant']));
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(DEMO_TOOLS);
    const result = await client.callTool({ name: 'echo', arguments: { text: 'modern hello' } });
    expect(result.content).toEqual([{ type: 'text', text: 'modern hello' }]);
    const calls = (await received()).filter(
      (r) => r.body?.method === 'tools/call' && r.body.params.arguments?.text === 'modern hello',
    );
    expect(calls).toHaveLength(1);
    expect(calls[0].headers['mcp-protocol-version']).toBe('2026-07-28');
    expect(calls[0].headers['mcp-method']).toBe('tools/call');
    await client.close();
  });
});
