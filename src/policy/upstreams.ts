/**
 * @module
 * Upstreams: the services Tollgate calls on an agent's behalf, with a secret the agent never
 * holds. `mcp:` declares the MCP servers the gateway stands in front of (route
 * `/mcp/<name>`, tool actions `mcp.<name>.<tool>`); `egress:` declares the HTTP APIs the
 * egress proxy forwards ticketed calls to (action `egress.<name>`, any URL under its base
 * URL). Each has a name, an https URL (loopback allowed for local development, over http
 * too) and the Worker secret Tollgate injects; an MCP server may have a tool allowlist and
 * say what a secret found in a tool's result does (`results: redact | block`), an egress API
 * the header its secret goes in.
 */
import type { Node } from 'yaml';
import { egressUrlProblem } from '../egress/guard.js';
import { globProblem } from './glob.js';
import type { EgressUpstream, McpUpstream } from './model.js';
import { mappingEntries, sequenceItems, type SourceFile, stringValue } from './yaml-source.js';

/** Lowercase letters, digits and dashes: a path segment and an action name part as it is. */
export const UPSTREAM_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** Worker secrets are named like environment variables. */
export const SECRET_NAME = /^[A-Z][A-Z0-9_]{0,127}$/;
/** An HTTP header name (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/;

/** What both kinds share, checked the same way. */
interface UpstreamBase {
  name: string;
  url: string;
  secret: string | null;
}

/** One declared upstream and the node of its name, for reports. */
export type Checked<T> = T & { nameNode: Node };

function checkBase(
  src: SourceFile,
  m: Map<string, Node | null>,
  item: Node,
  where: string,
): (UpstreamBase & { nameNode: Node }) | null {
  if (!m.has('name') || !m.has('url')) {
    src.report(item, 'missing_key', `${where} needs 'name' and 'url'`);
    return null;
  }
  const name = stringValue(src, m.get('name')!, `${where}.name`);
  const nameOk = name !== null && UPSTREAM_NAME.test(name);
  if (name !== null && !nameOk)
    src.report(m.get('name')!, 'bad_value', `${where}.name '${name}' must be lowercase letters, digits and dashes`);
  const url = stringValue(src, m.get('url')!, `${where}.url`);
  const urlProblem = url === null ? null : egressUrlProblem(url, { allowLoopback: true });
  if (urlProblem !== null) src.report(m.get('url')!, 'bad_value', `${where}.url: ${urlProblem}`);
  let secret: string | null = null;
  if (m.has('secret')) {
    secret = stringValue(src, m.get('secret')!, `${where}.secret`);
    if (secret !== null && !SECRET_NAME.test(secret)) {
      src.report(
        m.get('secret')!,
        'bad_value',
        `${where}.secret names a Worker secret (like GITHUB_MCP_TOKEN), not '${secret.slice(0, 40)}'`,
      );
      secret = null;
    }
  }
  if (!nameOk || url === null || urlProblem !== null) return null;
  return { name: name!, url, secret, nameNode: m.get('name')! };
}

/** Checks one file's `mcp:` list; every problem is reported at its file:line:col. */
export function checkMcpUpstreams(src: SourceFile, node: Node | null): Checked<McpUpstream>[] {
  const out: Checked<McpUpstream>[] = [];
  sequenceItems(src, node, 'mcp').forEach((item, i) => {
    const where = `mcp[${i}]`;
    const m = mappingEntries(src, item, where, ['name', 'url', 'secret', 'tools', 'results']);
    if (!m) return;
    const base = checkBase(src, m, item, where);
    let tools: string[] | null = null;
    if (m.has('tools')) {
      tools = [];
      sequenceItems(src, m.get('tools')!, `${where}.tools`).forEach((toolNode, j) => {
        const tool = stringValue(src, toolNode, `${where}.tools[${j}]`);
        if (tool === null) return;
        const problem = globProblem(tool);
        if (problem !== null) src.report(toolNode, 'bad_glob', `${where}.tools[${j}]: ${problem}`);
        else tools!.push(tool);
      });
    }
    let results: McpUpstream['results'] = 'redact';
    if (m.has('results')) {
      const value = stringValue(src, m.get('results')!, `${where}.results`);
      if (value === 'redact' || value === 'block') results = value;
      else if (value !== null) src.report(m.get('results')!, 'bad_value', `${where}.results must be redact or block`);
    }
    if (base) out.push({ ...base, tools, results });
  });
  return out;
}

/** Checks one file's `egress:` list. */
export function checkEgressUpstreams(src: SourceFile, node: Node | null): Checked<EgressUpstream>[] {
  const out: Checked<EgressUpstream>[] = [];
  sequenceItems(src, node, 'egress').forEach((item, i) => {
    const where = `egress[${i}]`;
    const m = mappingEntries(src, item, where, ['name', 'url', 'secret', 'header']);
    if (!m) return;
    const base = checkBase(src, m, item, where);
    let header: string | null = null;
    if (m.has('header')) {
      header = stringValue(src, m.get('header')!, `${where}.header`);
      if (header !== null && !HEADER_NAME.test(header)) {
        src.report(m.get('header')!, 'bad_value', `${where}.header '${header.slice(0, 40)}' is not a header name`);
        header = null;
      }
    }
    if (base) out.push({ ...base, header: header?.toLowerCase() ?? null });
  });
  return out;
}
