/**
 * The framework adapters and their examples against the local edge as a user runs it
 * (`npm start`): each example drives its framework's own scripted test model, and its tools
 * record every time they run. A denied tool never runs; an approved one runs once the human
 * granted the Tollgate approval; every tool that ran had its ticket redeemed by the executor
 * and its outcome reported, as the audit shows.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TollgateClient } from '../../src/client/index.js';
import { devToken } from '../../src/dev/index.js';
import type { Report } from '../../examples/setup.ts';
import { startLocalEdge, type LocalEdge } from '../helpers/local-edge.js';

let edge: LocalEdge;
let operator: TollgateClient;

beforeAll(async () => {
  edge = await startLocalEdge(18700 + Math.floor(Math.random() * 200));
  process.env.TOLLGATE_URL = edge.base;
  operator = new TollgateClient({ baseUrl: edge.base, token: await devToken({ agent: 'ops-test', operator: true }) });
}, 120_000);
afterAll(() => edge?.stop());

/** The agent's audit records of one kind (pending or flushed: search finds both). */
async function audit(agent: string, kind: string): Promise<Record<string, unknown>[]> {
  const res = await fetch(`${edge.base}/v1/audit?agent=${agent}&kind=${kind}&limit=50`, {
    headers: { authorization: `Bearer ${await devToken({ agent: 'ops-test', operator: true })}` },
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { records: { record: Record<string, unknown> }[] }).records.map((r) => r.record);
}

/** What every adapter must show: the allow and the approved call ran, the deny never did, and each ran on a redeemed ticket whose outcome was reported. */
async function expectGoverned(report: Report): Promise<void> {
  expect(report.ran).toEqual(['get_issue', 'send_payment']);
  expect(report.refused).toHaveLength(1);
  expect(report.refused[0]).toMatch(/shell\.exec was denied: Agents never get a shell/);
  expect(report.approved).toHaveLength(1);
  const [approval] = await operator.listApprovals({ agent: report.agent });
  expect(approval).toMatchObject({ id: report.approved[0], status: 'approved', action: 'payments.send' });

  const decisions = await audit(report.agent, 'decision');
  const byAction = (action: string) => decisions.filter((d) => d.action === action).map((d) => d.decision);
  expect(byAction('github.get_issue')).toEqual(['allow']);
  expect(byAction('shell.exec')).toEqual(['deny']);
  expect(byAction('payments.send')).toEqual(['require_approval']);
  // Each tool that ran: its ticket redeemed once, and its outcome reported by the executor.
  expect(await audit(report.agent, 'ticket_redeem')).toHaveLength(2);
  const outcomes = await audit(report.agent, 'outcome');
  expect(outcomes.map((o) => o.outcome)).toEqual(['success', 'success']);
}

describe('adapters, each with its framework and the local edge', () => {
  it('the Vercel AI SDK (toolApproval, MockLanguageModelV4)', async () => {
    const { main } = await import('../../examples/ai-sdk.ts');
    await expectGoverned(await main());
  }, 60_000);

  it('LangChain.js (@langchain/core tools, FakeStreamingChatModel)', async () => {
    const { main } = await import('../../examples/langchain.ts');
    await expectGoverned(await main());
  }, 60_000);

  it('the OpenAI Agents SDK (needsApproval, a tool input guardrail, a scripted Model)', async () => {
    const { main } = await import('../../examples/openai-agents.ts');
    await expectGoverned(await main());
  }, 60_000);

  it('any MCP client through the gateway (gatewayTransport, the official SDK client)', async () => {
    const { main } = await import('../../examples/mcp-client.ts');
    const report = await main();
    expect(report.tools).toEqual(['delete_records', 'echo', 'get_config', 'get_status', 'slow_count']);
    expect(report.ran).toEqual(['echo', 'get_config']);
    expect(report.refused).toEqual(['delete_records']);
    expect(report.texts.join('\n')).not.toContain('AKIAIOSFODNN7EXAMPLE');
    expect(report.texts[1]).toContain('[redacted:aws_key]');
    // Every call decided; only the allowed ones forwarded to the upstream.
    const decisions = await audit(report.agent, 'decision');
    expect(decisions.map((d) => [d.action, d.decision]).sort()).toEqual([
      ['mcp.demo.delete_records', 'require_approval'],
      ['mcp.demo.echo', 'allow'],
      ['mcp.demo.get_config', 'allow'],
    ]);
    const forwarded = await audit(report.agent, 'tool_call');
    expect(forwarded.map((c) => c.tool).sort()).toEqual(['echo', 'get_config']);
  }, 60_000);

  it("the README's Node quick start, run as printed: an allow, and its ticket verified against the edge's keys", () => {
    const readme = readFileSync('README.md', 'utf8');
    const open = readme.indexOf('```js\n', readme.indexOf('(`quickstart.mjs`'));
    const code = readme.slice(open + 6, readme.indexOf('\n```', open));
    expect(code.split('\n').length).toBeLessThanOrEqual(10);
    writeFileSync('quickstart.mjs', code);
    try {
      const run = spawnSync('node', ['quickstart.mjs'], {
        encoding: 'utf8',
        env: { ...process.env, TOLLGATE_URL: edge.base },
      });
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout).toMatch(
        /^allow Assistants may call models within their daily budgets\nticket for llm\.chat until 20/,
      );
    } finally {
      rmSync('quickstart.mjs');
    }
  });

  it('npm run demo:fleet: one round makes allows, rule denies, approvals granted and refused, a budget hit and a DLP block', async () => {
    const { round } = await import('../../examples/fleet.ts');
    const { counts, lines } = await round(edge.base, crypto.randomUUID().slice(0, 6));
    expect(counts).toEqual({
      'allow:rule': 7,
      'deny:rule': 2,
      'deny:budget_exceeded': 1,
      'require_approval:rule': 2,
      'deny:dlp': 1,
    });
    expect(lines.filter((l) => l.includes('the human')).map((l) => l.split('→ ')[1])).toEqual(['approved', 'denied']);
  }, 60_000);
});
