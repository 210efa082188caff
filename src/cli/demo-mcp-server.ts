/**
 * @module
 * The demo MCP upstream that `npm start` puts behind the gateway (`policies/mcp.yaml`
 * declares it as `demo`), built with the official SDK and serving both protocol eras on one
 * endpoint: 2026-07-28 requests (stateless, `server/discover`) through the SDK's handler, and
 * 2025-line requests (`initialize`, a session) through a sessionful transport. Its tools:
 * a harmless `echo`, a destructive `delete_records`, `get_config` whose result (and progress
 * message) leaks a fake secret, `get_status` whose result leaks nothing, and `slow_count`,
 * which reports progress; and two resources,
 * `demo://readme` and `demo://config`, which leaks it too.
 *
 * Given a `token`, it answers 401 to any request without it as its bearer token: the
 * gateway injects it from the Worker secret `DEMO_MCP_TOKEN`, and no agent ever holds it.
 *
 * With `control: true` (the tests' fixture) it also keeps what each request carried
 * (`GET /__received`) and lets a test change a tool's description or add a tool
 * (`POST /__control`), as an upstream that changes under the gateway would.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import {
  createMcpHandler,
  isLegacyRequest,
  McpServer,
  WebStandardStreamableHTTPServerTransport,
} from '@modelcontextprotocol/server';
import { z } from 'zod';

/** A fake AWS key id: the shape DLP detectors look for, and no real credential. */
export const DEMO_LEAKED_SECRET = 'AKIAIOSFODNN7EXAMPLE';

/** What a request to the upstream carried, as the tests read it. */
export interface ReceivedRequest {
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

/** The tools as they are now; `control` changes them. */
interface Catalog {
  descriptions: Record<string, string>;
  extra: { name: string; description: string }[];
}

const initialCatalog = (): Catalog => ({
  descriptions: {
    echo: 'Echoes the text back.',
    delete_records: 'Deletes every record of a table.',
    get_config: "Returns the service's configuration.",
    get_status: "Returns the service's status.",
    slow_count: 'Counts to a number slowly, reporting progress.',
  },
  extra: [],
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function demoServer(catalog: Catalog): McpServer {
  const server = new McpServer({ name: 'tollgate-demo-upstream', version: '1.0.0' });
  const text = (t: string) => ({ content: [{ type: 'text' as const, text: t }] });
  server.registerTool(
    'echo',
    { description: catalog.descriptions.echo, inputSchema: z.object({ text: z.string() }) },
    async ({ text: t }) => text(t),
  );
  server.registerTool(
    'delete_records',
    {
      description: catalog.descriptions.delete_records,
      inputSchema: z.object({ table: z.string() }),
      annotations: { destructiveHint: true },
    },
    async ({ table }) => text(`deleted every record of ${table}`),
  );
  server.registerTool('get_config', { description: catalog.descriptions.get_config }, async (ctx) => {
    // It leaks the key in its progress message too, when asked for progress.
    const progressToken = ctx.mcpReq._meta?.progressToken;
    if (progressToken !== undefined)
      await ctx.mcpReq.notify({
        method: 'notifications/progress',
        params: { progressToken, progress: 1, total: 1, message: `loaded key ${DEMO_LEAKED_SECRET}` },
      });
    return text(`region=eu-west-1\naws_access_key_id=${DEMO_LEAKED_SECRET}\nlog_level=info`);
  });
  // A read whose result holds nothing DLP finds: the gateway's ordinary path.
  server.registerTool('get_status', { description: catalog.descriptions.get_status }, async () =>
    text('status=ok\nregion=eu-west-1'),
  );
  server.registerTool(
    'slow_count',
    { description: catalog.descriptions.slow_count, inputSchema: z.object({ to: z.number().int().min(1).max(20) }) },
    async ({ to }, ctx) => {
      const progressToken = ctx.mcpReq._meta?.progressToken;
      for (let i = 1; i <= to; i++) {
        await sleep(20);
        if (progressToken !== undefined)
          await ctx.mcpReq.notify({
            method: 'notifications/progress',
            params: { progressToken, progress: i, total: to },
          });
      }
      return text(`counted to ${to}`);
    },
  );
  server.registerResource(
    'readme',
    'demo://readme',
    { description: "The demo service's notes", mimeType: 'text/plain' },
    async () => ({
      contents: [{ uri: 'demo://readme', mimeType: 'text/plain', text: 'The demo service answers on loopback.' }],
    }),
  );
  server.registerResource(
    'config',
    'demo://config',
    { description: "The demo service's configuration file", mimeType: 'text/plain' },
    async () => ({
      contents: [{ uri: 'demo://config', mimeType: 'text/plain', text: `aws_access_key_id=${DEMO_LEAKED_SECRET}` }],
    }),
  );
  for (const extra of catalog.extra)
    server.registerTool(extra.name, { description: extra.description }, async () => text(`${extra.name} ran`));
  return server;
}

/** A Node request as a web-standard one. */
async function webRequest(req: IncomingMessage, origin: string): Promise<{ request: Request; body: string }> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks).toString('utf8');
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers))
    if (typeof value === 'string') headers.set(name, value);
    else if (Array.isArray(value)) for (const v of value) headers.append(name, v);
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'DELETE';
  return {
    request: new Request(new URL(req.url ?? '/', origin), {
      method: req.method,
      headers,
      body: hasBody ? body : undefined,
    }),
    body,
  };
}

function headerRecord(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => (out[name] = value));
  return out;
}

/** Writes a web-standard response to Node, streaming its body (SSE stays live). */
async function writeResponse(res: ServerResponse, response: Response): Promise<void> {
  res.writeHead(response.status, headerRecord(response.headers));
  if (response.body === null) return void res.end();
  const reader = response.body.getReader();
  res.on('close', () => void reader.cancel().catch(() => {}));
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    res.write(value);
  }
  res.end();
}

export interface DemoMcpServer {
  /** The MCP endpoint. */
  url: string;
  /** What it received so far (with `control`). */
  received: ReceivedRequest[];
  close(): Promise<void>;
}

/** Starts the demo upstream on loopback at `port`, MCP endpoint `/mcp`. */
export async function startDemoMcpServer(options: {
  port: number;
  token?: string;
  control?: boolean;
}): Promise<DemoMcpServer> {
  let catalog = initialCatalog();
  const received: ReceivedRequest[] = [];
  const modern = createMcpHandler(() => demoServer(catalog), { legacy: 'reject' });
  const sessions = new Map<string, WebStandardStreamableHTTPServerTransport>();
  const origin = `http://127.0.0.1:${options.port}`;

  async function legacy(request: Request): Promise<Response> {
    const id = request.headers.get('mcp-session-id');
    const existing = id === null ? undefined : sessions.get(id);
    if (existing) return existing.handleRequest(request);
    if (id !== null)
      return Response.json(
        { jsonrpc: '2.0', id: null, error: { code: -32001, message: 'Session not found' } },
        { status: 404 },
      );
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (sid) => void sessions.set(sid, transport),
    });
    transport.onclose = () => void (transport.sessionId && sessions.delete(transport.sessionId));
    await demoServer(catalog).connect(transport);
    return transport.handleRequest(request);
  }

  const server = createServer(async (req, res) => {
    try {
      const { request, body } = await webRequest(req, origin);
      const path = new URL(request.url).pathname;
      if (options.control && path === '/__received') return void writeResponse(res, Response.json(received));
      if (options.control && path === '/__control') {
        const change = JSON.parse(body) as {
          reset?: true;
          describe?: { tool: string; description: string };
          add?: { name: string; description: string };
        };
        if (change.reset) catalog = initialCatalog();
        if (change.describe) {
          const extra = catalog.extra.find((t) => t.name === change.describe!.tool);
          if (extra) extra.description = change.describe.description;
          else catalog.descriptions[change.describe.tool] = change.describe.description;
        }
        if (change.add) catalog.extra.push(change.add);
        if (change.reset) received.length = 0;
        return void writeResponse(res, Response.json({ ok: true }));
      }
      if (path !== '/mcp') return void writeResponse(res, new Response('not found', { status: 404 }));
      if (options.control) {
        let parsed: unknown = null;
        try {
          parsed = body === '' ? null : JSON.parse(body);
        } catch {
          parsed = body;
        }
        received.push({ method: request.method, headers: headerRecord(request.headers), body: parsed });
      }
      if (options.token !== undefined && request.headers.get('authorization') !== `Bearer ${options.token}`)
        return void writeResponse(res, Response.json({ error: 'a valid bearer token is required' }, { status: 401 }));
      const isLegacy = request.method !== 'POST' || (await isLegacyRequest(request.clone()));
      await writeResponse(res, isLegacy ? await legacy(request) : await modern.fetch(request));
    } catch (err) {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(err));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', resolve);
  });
  return {
    url: `${origin}/mcp`,
    received,
    close: async () => {
      await modern.close();
      for (const transport of sessions.values()) await transport.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
