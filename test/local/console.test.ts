/**
 * The operator console in a real Chromium against `npm start`: signing in with the one-time
 * link it prints, every screen (at 1280 and 390 px wide, screenshots in test-output/console/),
 * approving and denying from the inbox while the agent long-polls, a pending approval
 * appearing without a reload, live decisions over a WebSocket (and after it drops, and by
 * polling when none will hold), suspending and resuming an agent, the tenant-wide halt, and
 * the audit verify badge.
 * Any console error fails a test, and a CSP violation is one (Chromium logs it as an error);
 * axe-core finds no serious or critical accessibility violation on any screen.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TollgateClient } from '../../src/client/index.js';
import { devToken } from '../../src/dev/index.js';
import { launchChromium } from '../helpers/chromium.js';
import { startLocalEdge, type LocalEdge } from '../helpers/local-edge.js';

const SHOTS = 'test-output/console';
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let edge: LocalEdge;
let browser: Browser;
let page: Page;
let operatorToken: string;
let signInLink: string;
const problems: string[] = [];

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  edge = await startLocalEdge(18500 + Math.floor(Math.random() * 100));
  operatorToken = /Operator token[^\n]*\n\s+(\S+)/.exec(edge.output())![1];
  signInLink = /(http:\/\/\S+\/console\/sign-in#token=\S+)/.exec(edge.output())![1];
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
}, 150_000);
afterAll(async () => {
  await browser?.close();
  edge?.stop();
});
afterEach(() => {
  expect(problems.splice(0)).toEqual([]);
});

/** axe-core's serious and critical findings on the current page. */
async function accessibilityProblems(): Promise<string[]> {
  await page.evaluate(axeSource); // evaluated by the driver, not a script tag: the CSP stays strict
  const results = await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as {
        axe: { run(): Promise<{ violations: { id: string; impact: string; help: string }[] }> };
      }
    ).axe;
    return (await axe.run()).violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help }));
  });
  return results.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help}`);
}

/** Opens a screen, checks it, and photographs it at both widths. */
async function screen(path: string, name: string, heading: string): Promise<void> {
  await page.goto(`${edge.base}${path}`);
  await expect.poll(() => page.locator('h1').textContent()).toBe(heading);
  expect(await accessibilityProblems(), name).toEqual([]);
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  // Narrow, nothing is wider than the screen but what scrolls on purpose (tables).
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, `${name} at 390 px`).toBeLessThanOrEqual(0);
  await page.screenshot({ path: `${SHOTS}/${name}-390.png`, fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
}

const agentClient = async (agent: string, roles: string[]) =>
  new TollgateClient({ baseUrl: edge.base, token: await devToken({ agent, roles }) });
const payment = (amount_usd: number) => ({
  action: 'payments.send',
  resource: 'vendor:acme-cloud',
  params: { amount_usd, vendor: 'acme-cloud' },
});

describe('the console in Chromium', () => {
  it('signs in with the one-time link npm start prints', async () => {
    await page.goto(`${edge.base}/console/approvals`);
    expect(new URL(page.url()).pathname).toBe('/console/sign-in');
    await screen('/console/sign-in', 'sign-in', 'Sign in');
    await page.goto(signInLink);
    await page.waitForURL(`${edge.base}/console`);
    expect(await page.textContent('header')).toContain('tenant demo');
  });

  it('shows every screen, accessibly, at 1280 and 390 px', async () => {
    await screen('/console', 'overview', 'Overview');
    await screen('/console/approvals', 'approvals', 'Approvals');
    await screen('/console/live', 'live', 'Live decisions');
    await screen('/console/agents', 'agents', 'Agents');
    await screen('/console/agents/helper-1', 'agent', 'Agent helper-1');
    await screen('/console/audit?kind=decision', 'audit', 'Audit');
    await screen('/console/policy', 'policy', 'Policy');
  });

  it('a decision made through /v1/decide appears on the live page within a second', async () => {
    await page.goto(`${edge.base}/console/live`);
    await expect.poll(() => page.textContent('#live-status')).toMatch(/^Live/);
    const id = `live-${crypto.randomUUID().slice(0, 6)}`;
    const agent = await agentClient(id, ['assistant']);
    await agent.decide({ action: 'llm.chat', resource: 'llm:openai', params: { model: 'gpt-4o-mini' } });
    await page.locator('#live-feed tbody tr', { hasText: id }).waitFor({ timeout: 1000 });
    expect(await page.textContent(`#live-feed tbody tr:has-text("${id}")`)).toContain('allow');
    await page.screenshot({ path: `${SHOTS}/live-decision.png`, fullPage: true });
  });

  it('reconnects when the socket drops, and shows what was decided meanwhile', async () => {
    const sockets: { close(): Promise<void> }[] = [];
    await page.routeWebSocket(/\/console\/live\/socket/, (ws) => {
      ws.connectToServer();
      sockets.push(ws);
    });
    await page.goto(`${edge.base}/console/live?agent=drop-*`);
    await expect.poll(() => page.textContent('#live-status')).toMatch(/^Live/);
    const id = `drop-${crypto.randomUUID().slice(0, 6)}`;
    const agent = await agentClient(id, ['assistant']);
    await sockets[0].close(); // the connection drops
    await agent.decide({ action: 'llm.chat', resource: 'llm:openai', params: { model: 'gpt-4o-mini' } });
    await expect.poll(() => sockets.length, { timeout: 10_000 }).toBe(2); // the page opened a new socket
    await page.locator('#live-feed tbody tr', { hasText: id }).waitFor({ timeout: 5000 });
    await agent.decide({ action: 'shell.exec', resource: 'host:prod', params: { cmd: 'ls' } });
    await page.locator('#live-feed tbody tr', { hasText: 'shell.exec' }).waitFor({ timeout: 1000 });
    await page.unrouteAll();
  });

  it('falls back to polling when no socket will open', async () => {
    await page.routeWebSocket(/\/console\/live\/socket/, (ws) =>
      ws.close({ code: 1011, reason: 'refused by the test' }),
    );
    await page.goto(`${edge.base}/console/live`);
    await expect.poll(() => page.textContent('#live-status'), { timeout: 15_000 }).toMatch(/^Polling/);
    const id = `poll-${crypto.randomUUID().slice(0, 6)}`;
    const agent = await agentClient(id, ['assistant']);
    await agent.decide({ action: 'llm.chat', resource: 'llm:openai', params: { model: 'gpt-4o-mini' } });
    await page.locator('#live-feed tbody tr', { hasText: id }).waitFor({ timeout: 3000 });
    await page.unrouteAll();
  });

  it('a pending approval appears in the inbox without a reload; approving it returns the agent’s long-poll with a ticket', async () => {
    await page.goto(`${edge.base}/console/approvals`);
    const agent = await agentClient(`payer-${crypto.randomUUID().slice(0, 6)}`, ['finance']);
    const asked = await agent.decide(payment(150));
    expect(asked.decision).toBe('require_approval');
    const id = asked.approval!.id;
    const waiting = agent.waitForApproval(id, { timeoutMs: 60_000 });
    const card = page.locator(`[id="${id}"]`);
    await card.waitFor({ timeout: 15_000 }); // the live fragment brought it in
    expect(await accessibilityProblems()).toEqual([]);
    await page.screenshot({ path: `${SHOTS}/approvals-pending.png`, fullPage: true });
    await card.locator('form[action$="/approve"] input[name=note]').fill('invoice checked');
    await card.locator('form[action$="/approve"] button').click();
    await page.waitForURL(/done=approved/);
    const settled = await waiting;
    expect(settled).toMatchObject({ decision: 'allow', approval: { status: 'approved', note: 'invoice checked' } });
    expect(settled.ticket).toEqual(expect.any(String));
  });

  it('denying from the inbox returns the agent’s long-poll with a deny', async () => {
    const agent = await agentClient(`payer-${crypto.randomUUID().slice(0, 6)}`, ['finance']);
    const asked = await agent.decide(payment(180));
    const id = asked.approval!.id;
    const waiting = agent.waitForApproval(id, { timeoutMs: 60_000 });
    await page.goto(`${edge.base}/console/approvals`);
    const card = page.locator(`[id="${id}"]`);
    await card.locator('form[action$="/deny"] input[name=note]').fill('not ours');
    await card.locator('form[action$="/deny"] button').click();
    await page.waitForURL(/done=denied/);
    expect(await waiting).toMatchObject({ decision: 'deny', approval: { status: 'denied' } });
  });

  it("suspends and resumes an agent from its page, and the agent's decisions follow", async () => {
    const id = `worker-${crypto.randomUUID().slice(0, 6)}`;
    const agent = await agentClient(id, ['assistant']);
    const chat = { action: 'llm.chat', resource: 'llm:openai', params: { model: 'gpt-4o-mini' } };
    expect((await agent.decide(chat)).decision).toBe('allow');
    await page.goto(`${edge.base}/console/agents/${id}`);
    await page.click('form[action$="/suspend"] button');
    await page.waitForURL(/done=suspended/);
    expect(await page.textContent('main')).toContain('suspended');
    expect(await agent.decide(chat)).toMatchObject({ decision: 'deny', code: 'suspended' });
    await page.click('form[action$="/resume"] button');
    await page.waitForURL(/done=resumed/);
    expect((await agent.decide(chat)).decision).toBe('allow');
  });

  it("verifies an agent's audit chain and shows its badge", async () => {
    await page.goto(`${edge.base}/console/audit`);
    await page.fill('form[action="/console/audit/verify"] input[name=agent]', 'helper-1');
    await page.click('form[action="/console/audit/verify"] button');
    await page.waitForURL(/\/console\/audit\/verify/);
    await expect.poll(() => page.locator('.badge').textContent()).toMatch(/^helper-1: (ok|stale)/);
    expect(await accessibilityProblems()).toEqual([]);
    await page.screenshot({ path: `${SHOTS}/audit-verify.png`, fullPage: true });
  });

  it('halts the whole tenant from the agents page, and resumes it', async () => {
    const agent = await agentClient(`halted-${crypto.randomUUID().slice(0, 6)}`, ['assistant']);
    const chat = { action: 'llm.chat', resource: 'llm:openai', params: { model: 'gpt-4o-mini' } };
    await page.goto(`${edge.base}/console/agents`);
    await page.click('form[action="/console/tenant/halt"] button');
    await page.waitForURL(/done=halted/);
    expect(await page.textContent('[role=alert].banner')).toContain('is halted');
    expect(await accessibilityProblems()).toEqual([]);
    await page.screenshot({ path: `${SHOTS}/agents-halted.png`, fullPage: true });
    expect(await agent.decide(chat)).toMatchObject({ decision: 'deny', code: 'suspended' });
    await page.goto(`${edge.base}/console`);
    expect(await page.textContent('main')).toContain('is halted');
    await page.goto(`${edge.base}/console/agents`);
    await page.click('form[action="/console/tenant/resume"] button');
    await page.waitForURL(/done=running/);
    expect((await agent.decide(chat)).decision).toBe('allow');
  });

  it('signs out; the used link signs in no more, the operator token does', async () => {
    await page.goto(`${edge.base}/console`);
    await page.click('form[action="/console/sign-out"] button');
    await page.waitForURL(`${edge.base}/console/sign-in`);
    await page.goto(`${edge.base}/console/approvals`);
    expect(new URL(page.url()).pathname).toBe('/console/sign-in');
    await page.goto(signInLink);
    await expect.poll(() => page.textContent('[role=alert]')).toContain('used already');
    // The refusal is a 401, which Chromium logs as a console error: that one is expected.
    expect(problems.splice(0).every((p) => p.includes('401'))).toBe(true);
    await page.fill('#token', operatorToken);
    await page.click('button[type=submit]');
    await page.waitForURL(`${edge.base}/console`);
  });
});
