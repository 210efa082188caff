/**
 * Tollgate in a real browser: headless Chromium (test/helpers/chromium.ts), driven by playwright-core. The
 * embed entry as a bundler ships it, loaded by a plain `<script type="module">`, with the
 * WASM fetched by URL. The shared conformance files give identical outcomes to the
 * reference evaluator; the demo page compiles live, shows errors inline and decides.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveFolder } from '../../src/cli/serve-demo.js';
import type { Verdict } from '../../src/policy/verdict.js';
import { runConformance } from '../conformance/runner.js';
import { launchChromium } from '../helpers/chromium.js';

let server: Server;
let browser: Browser;
let page: Page;
let base = '';

beforeAll(async () => {
  server = serveFolder('build/browser');
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 820 } });
  await page.goto(`${base}/index.html`);
  await page.waitForSelector('body[data-ready="true"]');
}, 60_000);

afterAll(async () => {
  await browser?.close();
  server?.close();
});

describe('in Chromium', () => {
  // The conformance files through the bundled embed entry in the page, a file's requests in one round trip.
  runConformance({
    name: 'tollgate/embed in Chromium',
    engine: async (policies) => async (requests) =>
      // Passed as source text, so that the test runner's transforms never touch the page's code.
      (await page.evaluate(`(async ({ policies, requests }) => {
        const embed = await import('/tollgate-embed.js');
        const wasm = await WebAssembly.compileStreaming(fetch('/policy.wasm'));
        const evaluator = await embed.createEvaluator({ bundle: embed.compilePolicies(policies), wasm });
        return requests.map((r) => evaluator.evaluate(r));
      })(${JSON.stringify({ policies, requests })})`)) as Verdict[],
  });

  it("the embed reference's browser quick start works as printed", async () => {
    const doc = readFileSync('docs/embed.md', 'utf8');
    const from = doc.indexOf('**Browser** (');
    expect(from).toBeGreaterThanOrEqual(0);
    const open = doc.indexOf('```html\n', from);
    const html = doc.slice(open + 8, doc.indexOf('\n```', open));
    expect(html.split('\n').length).toBeLessThanOrEqual(10);
    writeFileSync('build/browser/quickstart.html', html);
    const quick = await browser.newPage();
    await quick.goto(`${base}/quickstart.html`);
    await quick.waitForFunction(() => document.body.textContent?.startsWith('allow'));
    expect(await quick.textContent('body')).toBe("allow: rule 'read' allows this request");
    await quick.close();
  });

  it('the demo page compiles live, shows the checker errors inline, and decides', async () => {
    const policy = page.locator('#policy');
    const good = await policy.inputValue();
    await policy.fill(
      good.replace('effect: deny', 'effect: nope').replace('context.rows <= 1000', 'agent.trust <= "many"'),
    );
    await page.waitForSelector('ul.errors li');
    const errors = await page.locator('#check li').allTextContents();
    expect(errors.join('\n')).toMatch(/bad_value .*effect must be one of allow, deny, require_approval, not 'nope'/);
    expect(errors.join('\n')).toMatch(/type_error .*'<=' needs two numbers or two strings/);
    await policy.fill(good);
    await page.waitForSelector('#check .ok');
    await page.click('#decide');
    await page.waitForSelector('#result .decision');
    expect(await page.locator('#result .decision').textContent()).toBe('allow');
    expect(await page.locator('#result').textContent()).toMatch(/decided in \d+ µs/);
    expect(await page.locator('#result .reasons').textContent()).toContain('Analysts may read up to 1,000 rows');
    mkdirSync('test-output', { recursive: true });
    await page.screenshot({ path: 'test-output/demo.png', fullPage: true });
  });
});
