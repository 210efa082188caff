/**
 * The tools an agent is shown and the calls it may make agree: a hidden tool's call is
 * denied by the reference evaluator whatever it carries (random policies and requests),
 * and agents with different roles see different lists.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mayCall, toolAction, toolTargets, visibleTools } from '../../src/mcp/visibility.js';
import { evaluateReference } from '../../src/policy/reference/evaluate.js';
import { policySet, request } from '../differential/arbitraries.js';
import { loadOrThrow } from '../helpers/engines.js';

describe('tool visibility', () => {
  it('a call the list hides is denied, whatever the policy and the call carry', () => {
    let hidden = 0;
    let shown = 0;
    fc.assert(
      fc.property(policySet, request, (policy, req) => {
        if (mayCall(toolTargets(policy), req.agent, req.action, req.resource)) return void shown++;
        hidden++;
        expect(evaluateReference(policy, req).decision).toBe('deny');
      }),
      { numRuns: 5000 },
    );
    // Both sides were exercised, or the property proved nothing.
    expect(hidden).toBeGreaterThan(500);
    expect(shown).toBeGreaterThan(500);
  });

  it('agents with different roles see different tools', () => {
    const policy = loadOrThrow({
      'mcp.yaml': [
        'rules:',
        '  - id: read-tools',
        '    effect: allow',
        '    actions: ["mcp.github.get_*", "mcp.github.search_*"]',
        '  - id: write-tools',
        '    effect: allow',
        '    actions: ["mcp.github.create_*"]',
        '    roles: [engineer]',
        '  - id: no-admin',
        '    effect: deny',
        '    actions: ["mcp.github.delete_*"]',
        '  - id: settings-with-approval',
        '    effect: require_approval',
        '    actions: ["mcp.github.update_settings"]',
        '    roles: [engineer]',
        '',
      ].join('\n'),
    });
    const tools = ['get_issue', 'search_code', 'create_issue', 'delete_repo', 'update_settings', 'run_workflow'];
    expect(visibleTools(toolTargets(policy), { id: 'bot-1', roles: ['assistant'] }, 'github', tools)).toEqual([
      'get_issue',
      'search_code',
    ]);
    expect(visibleTools(toolTargets(policy), { id: 'bot-2', roles: ['engineer'] }, 'github', tools)).toEqual([
      'get_issue',
      'search_code',
      'create_issue',
      'update_settings',
    ]);
    expect(toolAction('github', 'get_issue')).toBe('mcp.github.get_issue');
  });
});
