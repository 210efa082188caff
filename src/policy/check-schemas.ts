/**
 * @module
 * Types `params.*` and `context.*` in a rule's condition from the schemas that govern it:
 * the params schemas of the registry entries whose actions the rule can match, and the
 * optional `context:` schema. Also finds the paths a deny or require_approval rule reads
 * that a request may leave out: such a request skips the rule (DESIGN §2).
 */
import type { Expr } from './expr/ast.js';
import type { ExprType, FieldTypes } from './expr/typecheck.js';
import { globsOverlap, globSubset } from './glob-subset.js';
import type { ActionEntry, ParamSchema, PolicySet, Rule } from './model.js';

const TYPES: Record<ParamSchema['type'], ExprType> = {
  string: 'str',
  number: 'num',
  boolean: 'bool',
  array: 'list',
  object: 'dyn',
};

/** Rules often share their action globs: the answer per registry and glob list, computed once. */
const governingCache = new WeakMap<readonly ActionEntry[], Map<string, { entries: ActionEntry[]; covered: boolean }>>();

/** The registry entries a request the rule matches can fall under, and whether they are all there is. */
function governing(
  rule: Rule,
  actions: readonly ActionEntry[],
  registry: PolicySet['registry'],
): { entries: ActionEntry[]; covered: boolean } {
  let cache = governingCache.get(actions);
  if (!cache) governingCache.set(actions, (cache = new Map()));
  const key = `${registry} ${JSON.stringify(rule.actions)}`;
  let found = cache.get(key);
  if (!found) cache.set(key, (found = governingUncached(rule, actions, registry)));
  return found;
}

function governingUncached(
  rule: Rule,
  actions: readonly ActionEntry[],
  registry: PolicySet['registry'],
): { entries: ActionEntry[]; covered: boolean } {
  const entries =
    rule.actions === null ? [...actions] : actions.filter((e) => rule.actions!.some((g) => globsOverlap(g, e.match)));
  // Under a closed registry an unregistered action is denied before any rule is read.
  const covered =
    registry === 'closed' ||
    (rule.actions !== null && rule.actions.every((g) => entries.some((e) => globSubset(g, e.match))));
  return { entries, covered };
}

/** The params a rule's condition can read, typed where every schema that declares them agrees. */
export function paramFields(
  rule: Rule,
  actions: readonly ActionEntry[],
  registry: PolicySet['registry'],
): FieldTypes | undefined {
  const { entries, covered } = governing(rule, actions, registry);
  const types = new Map<string, ExprType>();
  for (const entry of entries) {
    for (const p of entry.params ?? []) {
      const seen = types.get(p.name);
      types.set(p.name, seen === undefined || seen === TYPES[p.type] ? TYPES[p.type] : 'dyn');
    }
  }
  if (entries.length === 0) return undefined;
  const closed = covered && entries.every((e) => e.params !== null && !e.additionalParams);
  const describe = `the params schema of ${entries.map((e) => `'${e.match}'`).join(', ')}`;
  return { types, closed, describe };
}

/** Params every governing schema requires. */
function requiredParams(rule: Rule, actions: readonly ActionEntry[], registry: PolicySet['registry']): Set<string> {
  const { entries, covered } = governing(rule, actions, registry);
  if (!covered || entries.length === 0) return new Set();
  const [first, ...rest] = entries.map((e) => new Set((e.params ?? []).filter((p) => p.required).map((p) => p.name)));
  return new Set([...first].filter((name) => rest.every((set) => set.has(name))));
}

/** The `context:` schema as the checker sees it: closed, since it declares what context holds. */
export function contextFields(schema: readonly ParamSchema[] | null): FieldTypes | undefined {
  if (schema === null) return undefined;
  return { types: new Map(schema.map((p) => [p.name, TYPES[p.type]])), closed: true, describe: 'the context schema' };
}

/** `params.*` and `context.*` paths in an expression, with their offsets. */
function paths(e: Expr, out: { root: 'params' | 'context'; key: string; text: string; pos: number }[] = []) {
  switch (e.kind) {
    case 'path':
      if ((e.root === 'params' || e.root === 'context') && e.keys.length > 0)
        out.push({ root: e.root, key: e.keys[0], text: e.text, pos: e.pos });
      break;
    case 'not':
    case 'negate':
      paths(e.arg, out);
      break;
    case 'binary':
      paths(e.left, out);
      paths(e.right, out);
      break;
    case 'call':
      paths(e.target, out);
      paths(e.arg, out);
      break;
    case 'method':
      paths(e.target, out);
      break;
    default:
      break;
  }
  return out;
}

/** Paths a deny or require_approval rule reads that some request may leave out, so that it skips the rule. */
export function unrequiredPaths(
  rule: Rule,
  actions: readonly ActionEntry[],
  registry: PolicySet['registry'],
  context: readonly ParamSchema[] | null,
): { text: string; pos: number; why: string }[] {
  if (rule.effect === 'allow' || rule.when === null) return [];
  const params = requiredParams(rule, actions, registry);
  const contextRequired = new Set((context ?? []).filter((p) => p.required).map((p) => p.name));
  const seen = new Set<string>();
  return paths(rule.when).flatMap((p) => {
    const required = p.root === 'params' ? params.has(p.key) : contextRequired.has(p.key);
    if (required || seen.has(p.text)) return [];
    seen.add(p.text);
    const schema = p.root === 'params' ? 'the params schema of every action it can match' : 'the context schema';
    return [
      {
        text: p.text,
        pos: p.pos,
        why: `a request without '${p.root}.${p.key}' skips this ${rule.effect} rule; mark it required: true in ${schema}`,
      },
    ];
  });
}
