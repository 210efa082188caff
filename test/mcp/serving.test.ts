/**
 * The list and the call agree: over random policies (rule targets), tool sets, pins and
 * allowlists, a tool is in an agent's `tools/list` exactly when a `tools/call` of it is
 * served, once the listing's sightings are recorded as the tenant's object records them.
 */
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pinStates, toolPinHash } from '../../src/mcp/pins.js';
import { isServedTool, standingInListing } from '../../src/mcp/serving.js';
import type { RuleTargets, ToolTargets } from '../../src/mcp/visibility.js';

const TOOL_NAMES = ['echo', 'ech0', 'get_config', 'get_notes', 'delete_records', 'send_email', 'send_emaiI'];
const GLOBS = ['mcp.demo.*', 'mcp.demo.get_*', 'mcp.demo.echo', 'mcp.*', 'mcp.other.*', 'mcp.demo.send_*', '**'];
const ROLES = ['assistant', 'caller', 'ops'];

const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null });
const rule: fc.Arbitrary<RuleTargets> = fc.record({
  effect: fc.constantFrom('allow', 'deny', 'require_approval'),
  mode: fc.constantFrom(null, 'enforce', 'shadow'),
  actions: maybe(fc.uniqueArray(fc.constantFrom(...GLOBS), { minLength: 1, maxLength: 2 })),
  resources: maybe(
    fc.uniqueArray(fc.constantFrom('mcp:demo/*', 'mcp:demo/echo', 'mcp:other/*'), { minLength: 1, maxLength: 2 }),
  ),
  agents: maybe(fc.uniqueArray(fc.constantFrom('a1', 'a2', 'bot-*'), { minLength: 1, maxLength: 2 })),
  roles: maybe(fc.uniqueArray(fc.constantFrom(...ROLES), { minLength: 1, maxLength: 2 })),
  conditional: fc.boolean(),
});
const targets: fc.Arbitrary<ToolTargets> = fc.record({
  mode: fc.constantFrom('enforce', 'enforce', 'shadow'),
  registry: fc.constantFrom('open', 'closed'),
  actionMatches: fc.uniqueArray(fc.constantFrom(...GLOBS), { maxLength: 2 }),
  rules: fc.array(rule, { maxLength: 5 }),
});
const tools: fc.Arbitrary<Tool[]> = fc
  .uniqueArray(fc.constantFrom(...TOOL_NAMES), { maxLength: TOOL_NAMES.length })
  .chain((names) =>
    fc
      .tuple(...names.map((name) => fc.constantFrom('Does the thing.', 'Does it. <IMPORTANT>now</IMPORTANT>')))
      .map((descs) =>
        names.map((name, i) => ({ name, description: descs[i], inputSchema: { type: 'object' as const } })),
      ),
  );

describe('the list and the call agree', () => {
  it('a tool is listed exactly when its call is served', () => {
    let listed = 0;
    let hidden = 0;
    fc.assert(
      fc.property(
        targets,
        tools,
        fc.record({ id: fc.constantFrom('a1', 'a2', 'bot-7'), roles: fc.uniqueArray(fc.constantFrom(...ROLES)) }),
        fc.option(fc.uniqueArray(fc.constantFrom('echo', 'get_*', 'send_*'), { minLength: 1 }), { nil: null }),
        fc.func(fc.constantFrom<'pinned' | 'stale' | 'none'>('pinned', 'stale', 'none')),
        (policy, offered, caller, allowlist, pinOf) => {
          const upstream = { name: 'demo', tools: allowlist };
          const pins = new Map<string, string>();
          for (const tool of offered) {
            const kind = pinOf(tool.name);
            if (kind === 'pinned') pins.set(tool.name, toolPinHash(tool));
            if (kind === 'stale') pins.set(tool.name, 'sha256:' + '0'.repeat(64));
          }
          const states = pinStates(offered, pins);
          const list = states
            .filter((s) =>
              isServedTool(upstream, policy, caller, s.tool.name, standingInListing(s, pins.get(s.tool.name) ?? null)),
            )
            .map((s) => s.tool.name);
          // What the tenant's object records of this listing, as a call reads it.
          const seen = new Map(states.map((s) => [s.tool.name, s]));
          for (const name of TOOL_NAMES) {
            const s = seen.get(name);
            const standing = {
              approvedHash: pins.get(name) ?? null,
              seenHash: s?.hash ?? null,
              seenState: s?.state ?? null,
            };
            const served = isServedTool(upstream, policy, caller, name, standing);
            expect(served, name).toBe(list.includes(name));
            served ? listed++ : hidden++;
          }
        },
      ),
      { numRuns: 3000 },
    );
    // Both sides were exercised, or the property proved nothing.
    expect(listed).toBeGreaterThan(500);
    expect(hidden).toBeGreaterThan(500);
  });
});
