/**
 * A fast subset of the MCP conformance suite through the gateway (`npm run conformance:mcp`
 * runs all of it): the official suite's server scenarios against the conformance upstream,
 * directly and through `/mcp/conformance` on the local edge. Each must pass both ways.
 */
import { describe, expect, it } from 'vitest';
import { report, runConformance } from '../mcp-conformance/run.js';

const SUBSET = [
  'server-initialize',
  'tools-list',
  'tools-call-simple-text',
  'tools-call-with-progress',
  'tools-call-sampling',
  'resources-read-text',
  'dns-rebinding-protection',
];

describe('the MCP conformance suite (a fast subset)', () => {
  it('passes through the gateway every scenario it passes directly', async () => {
    const results = await runConformance(SUBSET, 18950);
    const { text, regressions } = report(results);
    expect(results.scenarios, text).toEqual([...SUBSET].sort());
    expect(regressions, text).toEqual([]);
    for (const scenario of SUBSET) {
      expect(results.direct[scenario], `${scenario} directly\n${text}`).toBe(true);
      expect(results.gateway[scenario], `${scenario} through the gateway\n${text}`).toBe(true);
    }
  }, 600_000);
});
