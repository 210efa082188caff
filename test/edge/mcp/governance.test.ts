/**
 * What the gateway governs, with real SDK clients against the demo upstream: which tools an
 * agent is shown (and that the list and the call agree), limits applied to tool calls as to
 * decide, the audit record of every call, DLP on arguments and results, the injected secret
 * in place of the agent's token, and the session bound to its agent.
 */
import { createExecutionContext, env, runInDurableObject, waitOnExecutionContext } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../src/worker/app.js';
import { MCP_SECRET } from '../../helpers/mcp-fixture.js';
import { stubOf, tailOf } from '../agents.js';
import { BASE, call } from '../http.js';
import { agentToken, operatorToken, token } from '../tokens.js';
import { approveTools, DEMO_TOOLS, legacyClient, modernClient, received } from './gateway.js';

beforeAll(() => approveTools());

let counter = 0;
const fresh = (what: string) => `mcp-${what}-${++counter}-${Date.now()}`;
const names = (tools: { name: string }[]) => tools.map((t) => t.name).sort();

describe('which tools an agent is shown', () => {
  it('agents with different roles see different lists, and a hidden tool is an unknown tool', async () => {
    const assistant = await modernClient(await agentToken(fresh('assistant'), ['assistant']));
    const caller = await modernClient(await agentToken(fresh('caller'), ['caller']));
    const nobody = await modernClient(await agentToken(fresh('nobody'), []));
    expect(names((await assistant.listTools()).tools)).toEqual(DEMO_TOOLS);
    expect(names((await caller.listTools()).tools)).toEqual(['echo']);
    expect((await nobody.listTools()).tools).toEqual([]);

    // Hidden and nonexistent tools answer the same, so nothing leaks.
    for (const name of ['get_config', 'no_such_tool'])
      await expect(caller.callTool({ name, arguments: {} })).rejects.toThrow(`Unknown tool: ${name}`);
  });
});

describe('tool calls are decided like any other call', () => {
  it('200 concurrent calls against a rate limit of 20 allow exactly 20', async () => {
    const client = await modernClient(await agentToken(fresh('burst'), ['caller']));
    const results = await Promise.allSettled(
      Array.from({ length: 200 }, (_, i) => client.callTool({ name: 'echo', arguments: { text: `call ${i}` } })),
    );
    const allowed = results.filter((r) => r.status === 'fulfilled');
    const denied = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(allowed).toHaveLength(20);
    expect(denied).toHaveLength(180);
    for (const d of denied) expect(String(d.reason)).toMatch(/Denied by policy/);
  });

  it('every call has an audit record: the tool, a keyed digest of the arguments, the decision and the latency', async () => {
    const agent = fresh('audited');
    const client = await modernClient(await agentToken(agent, ['assistant']));
    await client.callTool({ name: 'echo', arguments: { text: 'audit me please' } });
    const records = (await tailOf(agent)).pending.map((p: any) => p.record ?? p);
    const decision = records.find((r: any) => r.kind === 'decision');
    const forwarded = records.find((r: any) => r.kind === 'tool_call');
    expect(decision).toMatchObject({ action: 'mcp.demo.echo', resource: 'mcp:demo/echo', decision: 'allow' });
    expect(forwarded).toMatchObject({
      upstream: 'demo',
      tool: 'echo',
      outcome: 'ok',
      status: 200,
      decision_id: decision.decision_id,
    });
    expect(forwarded.args).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    expect(typeof forwarded.ms).toBe('number');
    expect(JSON.stringify(records)).not.toContain('audit me please');
  });
});

describe('DLP both ways', () => {
  it('a secret in the arguments is denied before the upstream sees it', async () => {
    const client = await modernClient(await agentToken(fresh('dlp-args'), ['assistant']));
    const secret = 'AKIAABCDEFGHIJKLMNOP';
    await expect(client.callTool({ name: 'echo', arguments: { text: `key ${secret}` } })).rejects.toThrow(
      /Denied by policy/,
    );
    const leaked = (await received()).filter((r) => JSON.stringify(r.body ?? '').includes(secret));
    expect(leaked).toEqual([]);
  });

  it("a secret in a tool's result is redacted before it reaches the agent", async () => {
    const agent = fresh('dlp-result');
    const client = await modernClient(await agentToken(agent, ['assistant']));
    const result = await client.callTool({ name: 'get_config', arguments: {} });
    const text = (result.content as { text: string }[])[0].text;
    expect(text).toContain('aws_access_key_id=[redacted:aws_key]');
    expect(text).not.toContain('AKIAIOSFODNN7EXAMPLE');
    expect(text).toContain('region=eu-west-1');
    const records = (await tailOf(agent)).pending.map((p: any) => p.record ?? p);
    expect(records.find((r: any) => r.kind === 'tool_call')).toMatchObject({ outcome: 'redacted', dlp: ['aws_key'] });
  });
});

describe('when the tool_call record cannot be written', () => {
  /** The agent's object fails to write `tool_call` records (only those), as a failing storage would. */
  async function recordsFail(agent: string): Promise<void> {
    await runInDurableObject(stubOf(agent), (instance) => {
      type Recorder = { record: (agent: unknown, kind: string, fields: unknown) => unknown };
      const object = instance as unknown as Recorder;
      const record = object.record.bind(object);
      object.record = (who, kind, fields) => {
        if (kind === 'tool_call') throw new Error('storage unavailable');
        return record(who, kind, fields);
      };
    });
  }

  it('an answer DLP changed is not returned without its record', async () => {
    const agent = fresh('dlp-unrecorded');
    await recordsFail(agent);
    const client = await modernClient(await agentToken(agent, ['assistant']));
    const answer = client.callTool({ name: 'get_config', arguments: {} });
    await expect(answer).rejects.toThrow();
    const records = (await tailOf(agent)).pending.map((p: any) => p.record ?? p);
    expect(records.find((r: any) => r.kind === 'decision')).toMatchObject({ action: 'mcp.demo.get_config' });
    expect(records.find((r: any) => r.kind === 'tool_call')).toBeUndefined();
  });

  it('an ordinary answer is returned, and the call is on the chain in its decision, committed before the upstream saw it', async () => {
    const agent = fresh('ok-unrecorded');
    await recordsFail(agent);
    const client = await modernClient(await agentToken(agent, ['assistant']));
    const result = await client.callTool({ name: 'echo', arguments: { text: 'still answered' } });
    expect(JSON.stringify(result.content)).toContain('still answered');
    const records = (await tailOf(agent)).pending.map((p: any) => p.record ?? p);
    expect(records.find((r: any) => r.kind === 'decision')).toMatchObject({
      action: 'mcp.demo.echo',
      decision: 'allow',
    });
    expect(records.find((r: any) => r.kind === 'tool_call')).toBeUndefined();
  });
});

describe('DLP on what a call streams', () => {
  it('a secret in a progress message sent while the call runs is redacted too', async () => {
    const { client } = await legacyClient(await agentToken(fresh('dlp-stream'), ['assistant']));
    const progress: { message?: string }[] = [];
    await client.callTool({ name: 'get_config', arguments: {} }, undefined, { onprogress: (p) => progress.push(p) });
    expect(progress).toEqual([{ progress: 1, total: 1, message: 'loaded key [redacted:aws_key]' }]);
    await client.close();
  });
});

describe('DLP on what an upstream answers besides tools', () => {
  it("a secret in a resource's contents is redacted, or the answer withheld under results: block", async () => {
    const { client } = await legacyClient(await agentToken(fresh('dlp-resource'), ['assistant']));
    expect((await client.readResource({ uri: 'demo://config' })).contents).toEqual([
      { uri: 'demo://config', mimeType: 'text/plain', text: 'aws_access_key_id=[redacted:aws_key]' },
    ]);
    await client.close();
    const strict = await modernClient(
      await token({ sub: fresh('dlp-resource'), roles: ['assistant'], tenant: 'strict' }),
      {},
      'demo-strict',
    );
    await expect(strict.readResource({ uri: 'demo://config' })).rejects.toThrow(/withheld: DLP found aws_key/);
  });
});

describe('DLP on results, per upstream', () => {
  it('an upstream with results: block withholds a result that holds a secret', async () => {
    // Its own tenant, so that the pins it needs are its own.
    await approveTools(['get_config'], 'demo-strict', 'strict');
    const agent = fresh('dlp-block');
    const client = await modernClient(
      await token({ sub: agent, roles: ['assistant'], tenant: 'strict' }),
      {},
      'demo-strict',
    );
    const result = await client.callTool({ name: 'get_config', arguments: {} });
    expect(result.isError).toBe(true);
    expect(result.content).toEqual([
      { type: 'text', text: "The tool's result was withheld: DLP found aws_key in it." },
    ]);
    const records = (await tailOf(agent, 'strict')).pending.map((p: any) => p.record ?? p);
    expect(records.find((r: any) => r.kind === 'tool_call')).toMatchObject({
      upstream: 'demo-strict',
      outcome: 'withheld',
      dlp: ['aws_key'],
    });
  });
});

describe('suspension', () => {
  it('a suspended agent reaches no tool, resource or prompt through the gateway, and does again once resumed', async () => {
    const agent = fresh('suspended');
    const { client } = await legacyClient(await agentToken(agent, ['assistant']));
    const readme = { uri: 'demo://readme' };
    expect((await client.readResource(readme)).contents).toEqual([
      { uri: 'demo://readme', mimeType: 'text/plain', text: 'The demo service answers on loopback.' },
    ]);
    const ops = await operatorToken();
    expect((await call('POST', `/v1/agents/${agent}/suspend`, { token: ops, body: {} })).status).toBe(200);
    await expect(client.readResource(readme)).rejects.toThrow(/suspended/);
    await expect(client.callTool({ name: 'echo', arguments: { text: 'x' } })).rejects.toThrow(/Denied by policy/);
    await client.ping(); // the handshake and liveness still answer
    expect((await call('POST', `/v1/agents/${agent}/resume`, { token: ops, body: {} })).status).toBe(200);
    expect((await client.readResource(readme)).contents).toHaveLength(1);
    await client.close();
  });
});

describe('credentials and sessions', () => {
  it("the upstream gets the injected secret, never the agent's token", async () => {
    const token = await agentToken(fresh('secret'), ['assistant']);
    const { client } = await legacyClient(token);
    await client.callTool({ name: 'echo', arguments: { text: 'whose credentials?' } });
    await client.close();
    const modern = await modernClient(token);
    await modern.callTool({ name: 'echo', arguments: { text: 'whose credentials, modern?' } });
    const all = await received();
    expect(all.length).toBeGreaterThan(0);
    for (const r of all) {
      expect(JSON.stringify(r)).not.toContain(token);
      expect(r.headers.authorization).toBe(`Bearer ${MCP_SECRET}`);
    }
  });

  it("another agent can't use an agent's session, and an edited session id is unknown", async () => {
    const { client, transport } = await legacyClient(await agentToken(fresh('owner'), ['assistant']));
    const sessionId = transport.sessionId!;
    const body = { jsonrpc: '2.0', id: 1, method: 'tools/list' };
    const headers = {
      'mcp-session-id': sessionId,
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-11-25',
    };
    const thief = await call('POST', '/mcp/demo', {
      token: await agentToken(fresh('thief'), ['assistant']),
      body,
      headers,
    });
    expect(thief.status).toBe(404);
    const edited = await call('POST', '/mcp/demo', {
      token: await agentToken(fresh('owner'), ['assistant']),
      body,
      headers: { ...headers, 'mcp-session-id': `${sessionId.slice(0, -1)}0` },
    });
    expect(edited.status).toBe(404);
    await client.close();
  });
});

describe('what the gateway refuses at the door', () => {
  const post = async (body: unknown, headers: Record<string, string> = {}) =>
    call('POST', '/mcp/demo', {
      token: await agentToken(fresh('door'), ['assistant']),
      raw: JSON.stringify(body),
      headers: { accept: 'application/json, text/event-stream', ...headers },
    });

  it('an Mcp-Method or Mcp-Name header that differs from the body is a 400', async () => {
    const body = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { text: 'x' } } };
    const method = await post(body, { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/list' });
    expect(method.status).toBe(400);
    expect(method.body.error.message).toMatch(
      /Mcp-Method header 'tools\/list' does not match the body's method 'tools\/call'/,
    );
    const name = await post(body, {
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'tools/call',
      'mcp-name': 'get_config',
    });
    expect(name.status).toBe(400);
    expect(name.body.error.message).toMatch(/Mcp-Name header 'get_config' does not match/);
    const missing = await post(body, { 'mcp-protocol-version': '2026-07-28' });
    expect(missing.status).toBe(400);
  });

  it('batches, non-JSON-RPC bodies, other content types and foreign origins are refused', async () => {
    expect((await post([{ jsonrpc: '2.0', id: 1, method: 'ping' }])).status).toBe(400);
    expect((await post({ hello: 'world' })).status).toBe(400);
    const text = await call('POST', '/mcp/demo', {
      token: await agentToken(fresh('door'), ['assistant']),
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);
    const foreign = await post({ jsonrpc: '2.0', id: 1, method: 'ping' }, { origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
  });

  it('an unknown upstream is a 404 that names the declared ones; no token is a 401; operators are refused', async () => {
    const unknown = await call('POST', '/mcp/nope', { token: await agentToken(fresh('door')), body: {} });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toMatch(
      /no MCP upstream 'nope'; the policy declares conformance, demo, demo-strict$/,
    );
    expect((await call('POST', '/mcp/demo', { body: {} })).status).toBe(401);
    const operator = await call('POST', '/mcp/demo', {
      token: await operatorToken(),
      body: { jsonrpc: '2.0', id: 1, method: 'ping' },
    });
    expect(operator.status).toBe(403);
  });
});

describe('the SSRF guard on the gateway', () => {
  /** The same Worker with LOCAL_DEVELOPMENT off, as deployed: the demo upstream is on loopback. */
  async function deployed(agent: string, message: object) {
    const ctx = createExecutionContext();
    const res = await createApp().fetch(
      new Request(`${BASE}/mcp/demo`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${await agentToken(agent, ['assistant'])}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, ...message }),
      }),
      { ...env, LOCAL_DEVELOPMENT: undefined },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    return { status: res.status, body: (await res.json()) as any };
  }

  it('refuses a loopback upstream outside local development, never reaches it, and audits the refused call', async () => {
    const before = (await received()).length;
    const ping = await deployed(fresh('ssrf'), { method: 'ping' });
    expect(ping.status).toBe(403);
    expect(ping.body.error.message).toMatch(/127\.0\.0\.1 is a loopback address/);
    const agent = fresh('ssrf-call');
    const called = await deployed(agent, { method: 'tools/call', params: { name: 'echo', arguments: { text: 'x' } } });
    expect(called.status).toBe(403);
    expect((await received()).length).toBe(before);
    const records = (await tailOf(agent)).pending.map((p: any) => p.record ?? p);
    expect(records.find((r: any) => r.kind === 'tool_call')).toMatchObject({
      tool: 'echo',
      outcome: 'egress_refused',
      status: null,
    });
  });
});
