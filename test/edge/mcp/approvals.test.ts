/**
 * A `require_approval` tool call completed through the gateway after an operator approves:
 * for a modern client (2026-07-28) through MRTR, its URL elicitation pointing at the
 * approval; for a legacy client through the request state its `isError` result carries.
 * A tampered or replayed request state is refused.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { call } from '../http.js';
import { agentToken, operatorToken } from '../tokens.js';
import { approveTools, legacyClient, modernClient, received } from './gateway.js';

const STATE = 'io.tollgate/request-state';
let counter = 0;
const fresh = () => `mcp-approval-${++counter}-${Date.now()}`;

async function approveAt(url: string) {
  const id = url.split('/').pop()!;
  const res = await call('POST', `/v1/approvals/${id}/approve`, { token: await operatorToken(), body: { note: 'ok' } });
  expect(res.status).toBe(200);
}

beforeAll(() => approveTools());

const deletions = async (table: string) =>
  (await received()).filter((r) => r.body?.method === 'tools/call' && r.body.params.arguments?.table === table);

describe('approvals through the gateway', () => {
  it('a modern client completes the call through MRTR once an operator approves', async () => {
    const table = `orders-${fresh()}`;
    const elicited: any[] = [];
    const client = await modernClient(await agentToken(fresh(), ['assistant']), {
      capabilities: { elicitation: { url: {} } },
    });
    client.setRequestHandler('elicitation/create', async (request) => {
      elicited.push(request.params);
      // The human follows the link and approves; the client then says the elicitation is done.
      await approveAt((request.params as { url: string }).url);
      return { action: 'accept' };
    });
    const result = await client.callTool({ name: 'delete_records', arguments: { table } });
    expect(result.content).toEqual([{ type: 'text', text: `deleted every record of ${table}` }]);
    expect(elicited).toHaveLength(1);
    expect(elicited[0]).toMatchObject({ mode: 'url', url: expect.stringMatching(/\/v1\/approvals\//) });
    expect(await deletions(table)).toHaveLength(1);
    // What reached the upstream carries none of the gateway's request state.
    expect(JSON.stringify((await deletions(table))[0].body)).not.toMatch(/requestState|inputResponses|tollgate/);
  });

  it('a legacy client gets the link and the request state, and completes the call with it once approved', async () => {
    const table = `invoices-${fresh()}`;
    const { client } = await legacyClient(await agentToken(fresh(), ['assistant']));
    const first = await client.callTool({ name: 'delete_records', arguments: { table } });
    expect(first.isError).toBe(true);
    const meta = first._meta as Record<string, any>;
    expect((first.content as { text: string }[])[0].text).toMatch(/needs a human's approval .*\/v1\/approvals\//);
    const state = meta[STATE] as string;

    // Before the approval, the retry waits again; the upstream has seen nothing.
    const early = await client.callTool({ name: 'delete_records', arguments: { table }, _meta: { [STATE]: state } });
    expect(early.isError).toBe(true);
    expect(await deletions(table)).toHaveLength(0);

    await approveAt(meta['io.tollgate/approval'].url);
    const done = await client.callTool({ name: 'delete_records', arguments: { table }, _meta: { [STATE]: state } });
    expect(done.content).toEqual([{ type: 'text', text: `deleted every record of ${table}` }]);

    // Replayed: refused, and the upstream still ran it once.
    await expect(
      client.callTool({ name: 'delete_records', arguments: { table }, _meta: { [STATE]: state } }),
    ).rejects.toThrow(/already used/);
    expect(await deletions(table)).toHaveLength(1);
    await client.close();
  });

  it('a tampered request state, or one for other arguments, is refused', async () => {
    const table = `users-${fresh()}`;
    const { client } = await legacyClient(await agentToken(fresh(), ['assistant']));
    const first = await client.callTool({ name: 'delete_records', arguments: { table } });
    const meta = first._meta as Record<string, any>;
    const state = meta[STATE] as string;
    await approveAt(meta['io.tollgate/approval'].url);

    const [header, payload, signature] = state.split('.');
    const claims = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/')));
    const forged = btoa(JSON.stringify({ ...claims, params_hash: 'sha256:' + '0'.repeat(64) }))
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
      .replace(/=+$/, '');
    await expect(
      client.callTool({
        name: 'delete_records',
        arguments: { table },
        _meta: { [STATE]: `${header}.${forged}.${signature}` },
      }),
    ).rejects.toThrow(/request state rejected/);
    await expect(
      client.callTool({ name: 'delete_records', arguments: { table: 'everything' }, _meta: { [STATE]: state } }),
    ).rejects.toThrow(/given for another call/);
    expect(await deletions(table)).toHaveLength(0);
    expect(await deletions('everything')).toHaveLength(0);
    await client.close();
  });
});
