/**
 * @module
 * The `mcp:` section: the MCP servers the gateway stands in front of, as operators declare
 * them. Each has a name (its route `/mcp/<name>`, and the prefix of its tools' actions,
 * `mcp.<name>.<tool>`), an https URL (loopback allowed for local development, over http
 * too), the Worker secret Tollgate injects (never the agent's token), and an optional
 * allowlist of tool names.
 */
import type { Node } from 'yaml';
import { egressUrlProblem } from '../egress/guard.js';
import { globProblem } from './glob.js';
import type { McpUpstream } from './model.js';
import { mappingEntries, sequenceItems, type SourceFile, stringValue } from './yaml-source.js';

const UPSTREAM_KEYS = ['name', 'url', 'secret', 'tools'] as const;
/** Lowercase letters, digits and dashes: a path segment and an action name part as it is. */
export const UPSTREAM_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** Worker secrets are named like environment variables. */
export const SECRET_NAME = /^[A-Z][A-Z0-9_]{0,127}$/;

/** One declared upstream and the node of its name, for reports. */
export type CheckedUpstream = McpUpstream & { nameNode: Node };

/** Checks one file's `mcp:` list; every problem is reported at its file:line:col. */
export function checkMcpUpstreams(src: SourceFile, node: Node | null): CheckedUpstream[] {
  const out: CheckedUpstream[] = [];
  sequenceItems(src, node, 'mcp').forEach((item, i) => {
    const where = `mcp[${i}]`;
    const m = mappingEntries(src, item, where, UPSTREAM_KEYS);
    if (!m) return;
    if (!m.has('name') || !m.has('url')) return src.report(item, 'missing_key', `${where} needs 'name' and 'url'`);
    const name = stringValue(src, m.get('name')!, `${where}.name`);
    if (name !== null && !UPSTREAM_NAME.test(name)) {
      src.report(m.get('name')!, 'bad_value', `${where}.name '${name}' must be lowercase letters, digits and dashes`);
    }
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
    if (name !== null && url !== null && UPSTREAM_NAME.test(name) && urlProblem === null)
      out.push({ name, url, secret, tools, nameNode: m.get('name')! });
  });
  return out;
}
