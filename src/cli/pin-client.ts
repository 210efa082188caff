/**
 * @module
 * The operators' pin API of a running edge (`/v1/mcp/:upstream/...`), as the CLI, `tollgate
 * dev`, the conformance runner and the edge benchmark call it.
 */

/** One tool as the review shows it. */
export interface ReviewedTool {
  name: string;
  state: 'pinned' | 'new' | 'changed' | 'shadowing';
  hash: string;
  changes: { field: string; before: unknown; after: unknown }[];
  findings: { kind: string; where: string; detail: string }[];
}

/** A refusal from the edge, with what it said. */
export class EdgeApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'EdgeApiError';
  }
}

/** Calls the edge as `token`; the JSON answer, or an `EdgeApiError` naming the route and the reason. */
export async function edgeApi(
  base: string | URL,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<any> {
  const url = new URL(path, base);
  const res = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await res.json().catch(() => ({}));
  if (!res.ok)
    throw new EdgeApiError(
      `${method} ${url.pathname} answered ${res.status}: ${answer.error?.message ?? 'no reason given'}`,
      res.status,
    );
  return answer;
}

const route = (upstream: string) => `/v1/mcp/${encodeURIComponent(upstream)}`;

/** The upstream's tools as offered now, with their pin states, diffs and scan findings. */
export async function reviewTools(base: string | URL, token: string, upstream: string): Promise<ReviewedTool[]> {
  return (await edgeApi(base, token, 'GET', `${route(upstream)}/tools`)).tools;
}

/** Pins a tool as reviewed; whether it is served now or stays hidden as a shadowing name. */
export async function pinTool(
  base: string | URL,
  token: string,
  upstream: string,
  tool: Pick<ReviewedTool, 'name' | 'hash'>,
  note?: string,
): Promise<'pinned' | 'shadowing'> {
  const body = { tool: tool.name, hash: tool.hash, ...(note !== undefined && { note }) };
  return (await edgeApi(base, token, 'POST', `${route(upstream)}/pins`, body)).state;
}

/** Unpins a tool. */
export async function unpinTool(base: string | URL, token: string, upstream: string, tool: string): Promise<void> {
  await edgeApi(base, token, 'DELETE', `${route(upstream)}/pins/${encodeURIComponent(tool)}`);
}

/** Pins every tool the upstream offers that is not pinned yet, as offered now; how many it offers and how many were pinned. */
export async function pinAllTools(
  base: string | URL,
  token: string,
  upstream: string,
  note?: string,
): Promise<{ offered: number; pinned: number }> {
  const tools = await reviewTools(base, token, upstream);
  const fresh = tools.filter((t) => t.state !== 'pinned');
  for (const tool of fresh) await pinTool(base, token, upstream, tool, note);
  return { offered: tools.length, pinned: fresh.length };
}
