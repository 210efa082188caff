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
 *
 * The decision reads only the rules' targets, so the bundle carries just those
 * (`ToolTargets`) for the gateway, and the same function runs on the policy as loaded.
 */
import { globMatch } from '../policy/glob.js';
import type { Effect, Mode, PolicySet } from '../policy/model.js';

/** The agent as the list is made for it. */
export interface ToolCaller {
  id: string;
  roles?: readonly string[];
}

/** What of a rule decides whether it can ever match a call: its effect, mode and target globs (null is "any"). */
export interface RuleTargets {
  effect: Effect;
  mode: Mode | null;
  actions: string[] | null;
  resources: string[] | null;
  agents: string[] | null;
  roles: string[] | null;
  /** Whether the rule has a `when` condition. */
  conditional: boolean;
}

/** What of a policy decides which tools are listed. */
export interface ToolTargets {
  mode: Mode;
  registry: 'open' | 'closed';
  /** The registry's action patterns. */
  actionMatches: string[];
  rules: RuleTargets[];
}

/** The targets view of a loaded policy. */
export function toolTargets(policy: Pick<PolicySet, 'mode' | 'registry' | 'actions' | 'rules'>): ToolTargets {
  return {
    mode: policy.mode,
    registry: policy.registry,
    actionMatches: policy.actions.map((a) => a.match),
    rules: policy.rules.map((r) => ({
      effect: r.effect,
      mode: r.mode,
      actions: r.actions,
      resources: r.resources,
      agents: r.agents,
      roles: r.roles,
      conditional: r.when !== null,
    })),
  };
}

/** The action a tool's calls are decided as. */
export const toolAction = (upstream: string, tool: string) => `mcp.${upstream}.${tool}`;
/** The resource a tool's calls are decided on. */
export const toolResource = (upstream: string, tool: string) => `mcp:${upstream}/${tool}`;

const anyGlob = (globs: readonly string[] | null, text: string) =>
  globs === null || globs.some((g) => globMatch(g, text));

/** Whether the rule's targets (not its condition) can match this agent's call. */
function canMatch(rule: RuleTargets, caller: ToolCaller, action: string, resource: string): boolean {
  if (!anyGlob(rule.actions, action) || !anyGlob(rule.resources, resource) || !anyGlob(rule.agents, caller.id))
    return false;
  return rule.roles === null || rule.roles.some((r) => (caller.roles ?? []).includes(r));
}

/** False when the policy denies every call of `action` on `resource` by this agent, whatever else the call carries. */
export function mayCall(targets: ToolTargets, caller: ToolCaller, action: string, resource: string): boolean {
  if (targets.mode === 'shadow') return true;
  if (targets.registry === 'closed' && !targets.actionMatches.some((match) => globMatch(match, action))) return false;
  const enforced = targets.rules.filter(
    (r) => (r.mode ?? targets.mode) !== 'shadow' && canMatch(r, caller, action, resource),
  );
  if (enforced.some((r) => r.effect === 'deny' && !r.conditional)) return false;
  return enforced.some((r) => r.effect !== 'deny');
}

/** The names of the upstream's tools this agent is shown, in their order. */
export function visibleTools(
  targets: ToolTargets,
  caller: ToolCaller,
  upstream: string,
  tools: readonly string[],
): string[] {
  return tools.filter((tool) => mayCall(targets, caller, toolAction(upstream, tool), toolResource(upstream, tool)));
}
