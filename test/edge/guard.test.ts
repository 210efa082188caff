/**
 * `guard()` from `tollgate/client` against the real edge: a denied tool never runs; an
 * allowed one runs once, its ticket redeemed by the executor before and its outcome reported
 * after; one that needs approval runs once a human approves; a tool that throws is reported
 * as an exception. The tool functions record their calls, and the tests check them.
 */
import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { guard, TollgateClient, ToolDeniedError } from '../../src/client/index.js';
import { tailOf } from './agents.js';
import { BASE, call } from './http.js';
import { agentToken, operatorToken } from './tokens.js';

let counter = 0;
const fresh = () => `guard-${++counter}-${Date.now()}`;
const clientOf = (token: string) =>
  new TollgateClient({ baseUrl: BASE, token, fetch: (i, init) => SELF.fetch(i, init), retry: { baseDelayMs: 10 } });
const outcomes = async (agent: string) =>
  (await tailOf(agent)).pending.map((p: any) => p.record ?? p).filter((r: any) => r.kind === 'outcome');

describe('guard()', () => {
  it('never runs a denied tool', async () => {
    const calls: unknown[] = [];
    const shell = guard(
      clientOf(await agentToken(fresh(), ['assistant'])),
      { action: 'shell.exec', resource: 'host:web-1' },
      async (args) => {
        calls.push(args);
        return 'ran';
      },
    );
    const error = await shell({ cmd: 'rm -rf /' }).catch((e) => e);
    expect(error).toBeInstanceOf(ToolDeniedError);
    expect(error.message).toMatch(/shell\.exec was denied: Agents never get a shell/);
    expect(calls).toEqual([]);
  });

  it('runs an allowed tool once, redeeming its ticket first and reporting its outcome after', async () => {
    const agent = fresh();
    const executor = clientOf(await agentToken('runner-1', ['executor']));
    const calls: { args: unknown; ticket: string | null }[] = [];
    const chat = guard(
      clientOf(await agentToken(agent, ['assistant'])),
      { action: 'llm.chat', resource: 'llm:openai', executor, cost: () => ({ usd: 0.02 }) },
      async (args, { ticket }) => {
        calls.push({ args, ticket });
        return 'hello';
      },
    );
    expect(await chat({ model: 'gpt-4o-mini' })).toBe('hello');
    expect(calls).toEqual([{ args: { model: 'gpt-4o-mini' }, ticket: expect.any(String) }]);
    // Redeemed: the same ticket again is a replay.
    const again = await executor
      .redeem({
        ticket: calls[0].ticket!,
        action: 'llm.chat',
        resource: 'llm:openai',
        params: { model: 'gpt-4o-mini' },
      })
      .catch((e) => e);
    expect(again).toMatchObject({ code: 'ticket_replay' });
    expect(await outcomes(agent)).toEqual([expect.objectContaining({ outcome: 'success', by: 'runner-1' })]);
  });

  it('runs a tool that needs approval once a human approves it', async () => {
    const agent = fresh();
    const calls: unknown[] = [];
    const client = clientOf(await agentToken(agent, ['assistant']));
    const executor = clientOf(await agentToken('runner-1', ['executor']));
    const drop = guard(
      client,
      { action: 'mcp.demo.delete_records', resource: 'mcp:demo/delete_records', executor, approvalTimeoutMs: 20_000 },
      async (args) => (calls.push(args), 'dropped'),
    );
    const running = drop({ table: 'sessions' });
    // An operator finds the pending approval and approves it.
    const ops = await operatorToken();
    let pending: any[] = [];
    for (let i = 0; i < 50 && pending.length === 0; i++) {
      pending = (await call('GET', `/v1/approvals?agent=${agent}&status=pending`, { token: ops })).body.approvals ?? [];
      if (pending.length === 0) await new Promise((r) => setTimeout(r, 50));
    }
    expect(calls).toEqual([]);
    expect((await call('POST', `/v1/approvals/${pending[0].id}/approve`, { token: ops, body: {} })).status).toBe(200);
    expect(await running).toBe('dropped');
    expect(calls).toEqual([{ table: 'sessions' }]);
    expect(await outcomes(agent)).toEqual([expect.objectContaining({ outcome: 'success' })]);
  });

  it('reports a tool that throws as an exception, and rethrows', async () => {
    const agent = fresh();
    const executor = clientOf(await agentToken('runner-1', ['executor']));
    const broken = guard(
      clientOf(await agentToken(agent, ['assistant'])),
      { action: 'llm.chat', resource: 'llm:openai', executor },
      async () => {
        throw new Error('the model timed out');
      },
    );
    await expect(broken({ model: 'gpt-4o-mini' })).rejects.toThrow('the model timed out');
    expect(await outcomes(agent)).toEqual([expect.objectContaining({ outcome: 'exception' })]);
  });
});
