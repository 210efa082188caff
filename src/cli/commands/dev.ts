/**
 * @module
 * `tollgate dev` (what `npm start` runs): the local edge runtime. Makes dev keys on first
 * run, checks and compiles the policies, starts the demo MCP upstream and `wrangler dev`
 * with local Durable Objects, waits until it answers, pins the demo upstream's tools, then
 * prints an agent token, an operator token, a curl example and an MCP client configuration.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatIssue } from '../../policy/errors.js';
import { ensureDevKeys, mintDevToken, readDevVars } from '../dev-keys.js';
import { pinAllTools } from '../pin-client.js';
import { loadPolicyDir } from '../load-dir.js';
import { applyLocalMigrations, startWranglerDev } from '../wrangler-dev.js';
import { EXIT_FAILED, UsageError, type Command } from '../usage.js';

/**
 * Watches wrangler's output for the one rebuild its policies/ watcher always runs once it is
 * ready (wrangler does this to catch edits made during the first build), and for the server
 * to be back after it. That rebuild reloads the Worker; announcing before it would hand out
 * a server that drops in-flight requests a moment later ("Your worker restarted mid-request").
 */
function settledAfterWatcherRebuild(output: NodeJS.ReadableStream, forward: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => {
    let rebuilding = false;
    let pending = '';
    output.on('data', (chunk: Buffer) => {
      forward.write(chunk);
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (/changed, restarting build/.test(line)) rebuilding = true;
        else if (rebuilding && /Local server updated and ready|Ready on /.test(line)) resolve();
      }
    });
  });
}

/** Where the demo MCP upstream listens (policies/mcp.yaml declares it). */
const DEMO_MCP_PORT = 18791;

/** Pins the demo upstream's tools as they are now, so the demo works at once; says what it did. */
async function pinDemoTools(base: string, operatorToken: string): Promise<string> {
  try {
    const { offered, pinned } = await pinAllTools(base, operatorToken, 'demo', 'pinned by tollgate dev');
    return `${offered} tools pinned${pinned ? ` (${pinned} just now, as offered)` : ''}`;
  } catch (err) {
    return `its tools could not be reviewed (${(err as Error).message})`;
  }
}

async function waitUntilUp(url: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  return false;
}

export const devCommand: Command = {
  name: 'dev',
  summary: 'run the local edge runtime (npm start) and print usable tokens',
  help: `Usage: tollgate dev [--port N]

Runs the Worker locally with wrangler dev (local Durable Objects), on PORT or --port
(default 8787). On first run it makes dev keys (.tollgate/dev-key.json, .dev.vars). It
checks policies/ first and stops with every error if they are invalid; wrangler's build
step compiles them into the bundle the Worker imports. Once the server answers, it prints
an agent token, an operator token and a curl example. Ctrl-C stops it.`,
  async run(args) {
    const { values } = parseArgs({ args, options: { port: { type: 'string' } } });
    const port = Number(values.port ?? process.env.PORT ?? 8787);
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new UsageError(`port '${values.port ?? process.env.PORT}' is not a port number`);
    const checked = loadPolicyDir('policies');
    if (!checked.ok) {
      for (const issue of checked.errors) console.error(formatIssue(issue));
      console.error(`\npolicies/ has ${checked.errors.length} error(s); fix them and run again`);
      return EXIT_FAILED;
    }
    const { key, created } = await ensureDevKeys();
    if (created) console.log('Made dev keys: .tollgate/dev-key.json (private) and .dev.vars (AUTH_JWKS).');
    const migrated = applyLocalMigrations();
    if (!migrated.ok) {
      console.error(`${migrated.output}\napplying the audit index's D1 migrations failed`);
      return EXIT_FAILED;
    }
    // The demo MCP upstream policies/mcp.yaml declares; it checks the secret the gateway injects.
    // A project whose policies declare no `demo` upstream on that port (any but this repository's) gets none.
    const wantsDemoMcp = (checked.policy.mcpUpstreams ?? []).some(
      (u) => u.name === 'demo' && new URL(u.url).port === String(DEMO_MCP_PORT),
    );
    const demoMcp = !wantsDemoMcp
      ? null
      : // Loaded only here: it needs the MCP server SDK, a development dependency.
        await import('../demo-mcp-server.js')
          .then(({ startDemoMcpServer }) =>
            startDemoMcpServer({ port: DEMO_MCP_PORT, token: readDevVars().DEMO_MCP_TOKEN }),
          )
          .catch((err) => {
            console.error(`the demo MCP upstream could not start on port ${DEMO_MCP_PORT}: ${(err as Error).message}`);
            return null;
          });
    const { child, exited, stop } = startWranglerDev(port, [], ['ignore', 'pipe', 'pipe']);
    child.stderr!.pipe(process.stderr);
    const settled = settledAfterWatcherRebuild(child.stdout!, process.stdout);
    // Whatever stops us stops wrangler and the workerd it started.
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.on(signal, () => {
        stop();
        process.exit(130);
      });
    }
    process.on('exit', stop);
    void exited.then(() => demoMcp?.close());
    const base = `http://127.0.0.1:${port}`;
    // Up means answering after the watcher's rebuild (or 30 s, should a wrangler release not run one).
    const afterRebuild = Promise.race([settled, new Promise((r) => setTimeout(r, 30_000))]).then(() =>
      waitUntilUp(`${base}/healthz`, 120_000),
    );
    const up = await Promise.race([afterRebuild, exited.then(() => false)]);
    if (!up) {
      stop();
      console.error(`the local edge runtime did not come up on ${base}`);
      return EXIT_FAILED;
    }
    const ttlSeconds = 24 * 3600;
    const agent = await mintDevToken(key, {
      agent: 'helper-1',
      tenant: 'demo',
      roles: ['assistant'],
      operator: false,
      ttlSeconds,
    });
    const operator = await mintDevToken(key, {
      agent: 'ops-1',
      tenant: 'demo',
      roles: ['operator'],
      operator: true,
      ttlSeconds,
    });
    const signInLink = await mintDevToken(key, {
      agent: 'ops-1',
      tenant: 'demo',
      roles: ['operator'],
      operator: true,
      ttlSeconds: 8 * 3600,
      oneTime: true,
    });
    const pinned = demoMcp ? await pinDemoTools(base, operator) : null;
    // In a project that installed Tollgate its CLI is `npx tollgate`; in this repository, the npm script.
    const cli = existsSync('node_modules/tollgate/package.json') ? 'npx tollgate' : 'npm run tollgate --';
    console.log(`
Tollgate is running at ${base}

Agent token (helper-1, role assistant, tenant demo, 24h):
  ${agent}

Operator token (ops-1, 24h):
  ${operator}

Operator console, signed in as ops-1 (a one-time link; afterwards sign in with the operator token above):
  ${base}/console/sign-in#token=${signInLink}

Try it:
  curl -s ${base}/v1/decide \\
    -H "authorization: Bearer ${agent}" \\
    -H "content-type: application/json" \\
    -d '{"action":"llm.chat","resource":"llm:openai","params":{"model":"gpt-4o-mini"},"cost":{"usd":0.02}}'

${
  demoMcp
    ? `MCP gateway (demo upstream on ${demoMcp.url}, ${pinned}):
  point any MCP client (Streamable HTTP) at ${base}/mcp/demo, e.g. in its mcp.json:
  ${JSON.stringify({ mcpServers: { 'tollgate-demo': { type: 'http', url: `${base}/mcp/demo`, headers: { Authorization: `Bearer ${agent}` } } } })}
  Review and pin tools: ${cli} mcp pins demo

`
    : ''
}More tokens: ${cli} token --agent ID --roles a,b   (--operator for operators)
`);
    return exited;
  },
};
