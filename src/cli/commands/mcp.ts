/**
 * @module
 * `tollgate mcp pins <upstream>`: the operators' pin workflow against a running edge. It
 * shows the upstream's tools as offered now, each with its pin state, what changed since it
 * was pinned and what the description scan found; `--approve` pins the named tools as
 * shown, `--approve-all` every tool not yet pinned, `--unpin` removes a pin.
 */
import { parseArgs } from 'node:util';
import { api, LOCAL_EDGE, operatorToken } from '../operator-session.js';
import { pinTool, reviewTools, unpinTool, type ReviewedTool } from '../pin-client.js';
import { EXIT_FAILED, EXIT_OK, UsageError, type Command } from '../usage.js';

const MARK: Record<ReviewedTool['state'], string> = {
  pinned: 'pinned   ',
  new: 'NEW      ',
  changed: 'CHANGED  ',
  shadowing: 'SHADOWING',
};

const short = (value: unknown) => {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 160 ? `${text.slice(0, 160)}…` : text;
};

function print(tools: ReviewedTool[]): void {
  for (const tool of tools) {
    console.log(`${MARK[tool.state]} ${tool.name}  ${tool.hash.slice(0, 19)}`);
    for (const change of tool.changes) {
      console.log(`            ${change.field}:`);
      console.log(`              - ${short(change.before)}`);
      console.log(`              + ${short(change.after)}`);
    }
    for (const finding of tool.findings)
      console.log(`            ! ${finding.kind} in ${finding.where}: ${finding.detail}`);
  }
}

export const mcpCommand: Command = {
  name: 'mcp',
  summary: "review and pin an MCP upstream's tools: tollgate mcp pins <upstream>",
  help: `Usage: tollgate mcp pins <upstream> [--approve TOOL]... [--approve-all] [--unpin TOOL] [--url URL] [--token T]

Shows the upstream's tools as it offers them now, through the edge: each tool's state
(pinned; NEW; CHANGED since it was pinned, with the diff; SHADOWING another tool's name),
and what the description scan found (hidden characters, directives to the model,
references to other servers' tools). Agents are shown only pinned tools.

  --approve TOOL   pin TOOL as shown (repeatable)
  --approve-all    pin every tool that is not pinned yet
  --unpin TOOL     remove TOOL's pin: it is hidden again
  --url URL        the edge (default: http://127.0.0.1:8787, what npm start runs)
  --token T        an operator token (or TOLLGATE_TOKEN; for the local edge, one is made
                   with the dev key)

A shadowing tool stays hidden even when pinned. Exits 1 when a tool is left unpinned.`,
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        approve: { type: 'string', multiple: true },
        'approve-all': { type: 'boolean' },
        unpin: { type: 'string', multiple: true },
        url: { type: 'string' },
        token: { type: 'string' },
      },
    });
    const [sub, upstream, ...rest] = positionals;
    if (sub !== 'pins')
      throw new UsageError(sub ? `unknown subcommand 'mcp ${sub}'` : 'say which: tollgate mcp pins <upstream>');
    if (!upstream) throw new UsageError('name the upstream: tollgate mcp pins <upstream>');
    if (rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}'`);
    const base = new URL(values.url ?? LOCAL_EDGE);
    const token = await operatorToken(values.token, base);
    for (const tool of values.unpin ?? []) {
      await api(() => unpinTool(base, token, upstream, tool), base);
      console.log(`unpinned ${tool}`);
    }
    let tools = await api(() => reviewTools(base, token, upstream), base);
    const wanted = values['approve-all']
      ? tools.filter((t) => t.state !== 'pinned').map((t) => t.name)
      : (values.approve ?? []);
    for (const name of wanted) {
      const tool = tools.find((t) => t.name === name);
      if (!tool) throw new UsageError(`the upstream '${upstream}' offers no tool '${name}'`);
      const state = await api(() => pinTool(base, token, upstream, tool), base);
      console.log(
        state === 'shadowing' ? `pinned ${name}, which stays hidden: it shadows another tool's name` : `pinned ${name}`,
      );
    }
    if (wanted.length > 0) tools = await api(() => reviewTools(base, token, upstream), base);
    print(tools);
    const unpinned = tools.filter((t) => t.state !== 'pinned').length;
    console.log(
      `\n${tools.length - unpinned} of ${tools.length} tools pinned${unpinned ? `; ${unpinned} hidden from agents until pinned` : ''}`,
    );
    return unpinned > 0 ? EXIT_FAILED : EXIT_OK;
  },
};
