/**
 * @module
 * Which tools an agent is shown. Each tool of upstream `u` is the action `mcp.<u>.<tool>`
 * on the resource `mcp:<u>/<tool>`. A tool is listed unless the policy denies every call to
 * it whatever the arguments, context and state: no enforced allow or require_approval rule
 * can match it for this agent (by actions, resources, agents and roles), an enforced deny
 * rule with no condition does, or the closed registry has no entry for it. So a hidden
 * tool's call is always denied (a property test holds it against the reference evaluator),
 * and a listed one may still be denied by a condition, params, limits or state, with the
 * rule's reason. Under whole-bundle shadow mode nothing is hidden, as nothing is denied.
 */
import { globMatch } from '../policy/glob.js';
import type { PolicySet, Rule } from '../policy/model.js';

/** The agent as the list is made for it. */
export interface ToolCaller {
  id: string;
  roles?: readonly string[];
}

/** The action a tool's calls are decided as. */
export const toolAction = (upstream: string, tool: string) => `mcp.${upstream}.${tool}`;
/** The resource a tool's calls are decided on. */
export const toolResource = (upstream: string, tool: string) => `mcp:${upstream}/${tool}`;

const anyGlob = (globs: readonly string[] | null, text: string) =>
  globs === null || globs.some((g) => globMatch(g, text));

/** Whether the rule's targets (not its condition) can match this agent's call. */
function canMatch(rule: Rule, caller: ToolCaller, action: string, resource: string): boolean {
  if (!anyGlob(rule.actions, action) || !anyGlob(rule.resources, resource) || !anyGlob(rule.agents, caller.id))
    return false;
  return rule.roles === null || rule.roles.some((r) => (caller.roles ?? []).includes(r));
}

/** False when the policy denies every call of `action` on `resource` by this agent, whatever else the call carries. */
export function mayCall(
  policy: Pick<PolicySet, 'mode' | 'registry' | 'actions' | 'rules'>,
  caller: ToolCaller,
  action: string,
  resource: string,
): boolean {
  if (policy.mode === 'shadow') return true;
  if (policy.registry === 'closed' && !policy.actions.some((a) => globMatch(a.match, action))) return false;
  const enforced = policy.rules.filter(
    (r) => (r.mode ?? policy.mode) !== 'shadow' && canMatch(r, caller, action, resource),
  );
  if (enforced.some((r) => r.effect === 'deny' && r.when === null)) return false;
  return enforced.some((r) => r.effect !== 'deny');
}

/** The names of the upstream's tools this agent is shown, in their order. */
export function visibleTools(
  policy: Pick<PolicySet, 'mode' | 'registry' | 'actions' | 'rules'>,
  caller: ToolCaller,
  upstream: string,
  tools: readonly string[],
): string[] {
  return tools.filter((tool) => mayCall(policy, caller, toolAction(upstream, tool), toolResource(upstream, tool)));
}
