/**
 * @module
 * Checks the `rules` section of one policy file. Expressions are parsed here; they are
 * type-checked after all files are merged, when every declared attribute is known.
 */
import { toMicros } from './money.js';
import { isScalar, type Node, type Scalar as YamlScalar } from 'yaml';
import { parseRate } from './duration.js';
import type { Expr } from './expr/ast.js';
import { ExprSyntaxError, parseExpr } from './expr/parser.js';
import { checkGlob } from './check-catalogue.js';
import { EFFECTS, type Period, type Rule, type RuleLimits } from './model.js';
import { mappingEntries, numberValue, oneOf, sequenceItems, stringValue, type SourceFile } from './yaml-source.js';

const RULE_ID = /^[a-z0-9-]{1,64}$/;
const RULE_KEYS = [
  'id',
  'effect',
  'actions',
  'resources',
  'agents',
  'roles',
  'when',
  'limits',
  'risk',
  'reason',
  'mode',
] as const;
const PERIODS: readonly Period[] = ['day', 'month'];

/** A rule and where its parts are, for reporting problems found after merging. */
export interface CheckedRule {
  rule: Rule;
  src: SourceFile;
  idNode: Node;
  whenNode: Node | null;
}

/** Offset from a scalar node's start to its text: one for the opening quote. */
function textOffset(node: Node): number {
  return isScalar(node) &&
    ((node as YamlScalar).type === 'QUOTE_DOUBLE' || (node as YamlScalar).type === 'QUOTE_SINGLE')
    ? 1
    : 0;
}

/** Reports an expression problem at the exact column when the expression sits on one line. */
export function reportInExpr(
  src: SourceFile,
  node: Node,
  source: string,
  code: Parameters<SourceFile['report']>[1],
  message: string,
  pos: number,
  severity: 'error' | 'warning' = 'error',
): void {
  const singleLine = !source.includes('\n');
  const offset = singleLine ? textOffset(node) + pos : 0;
  if (severity === 'warning') src.warn(node, code, message, offset);
  else src.report(node, code, message, offset);
}

function globList(src: SourceFile, node: Node | null, where: string): string[] | null {
  const items = sequenceItems(src, node, where);
  const globs = items.map((n, i) => checkGlob(src, n, `${where}[${i}]`));
  if (items.length === 0)
    src.report(node, 'bad_value', `${where} is empty, so the rule could never match; omit it to match anything`);
  return globs.every((g) => g !== null) ? [...new Set(globs as string[])].sort() : null;
}

/** A rule's `limits:`, or (without `rate`) the agent-wide `budgets:`. */
export function checkLimits(
  src: SourceFile,
  node: Node | null,
  where: string,
  keys: readonly string[] = ['rate', 'spend', 'tokens'],
): RuleLimits {
  const limits: RuleLimits = { rate: null, spend: null, tokens: null };
  const m = mappingEntries(src, node, where, keys);
  if (!m) return limits;
  if (m.has('rate')) {
    const text = stringValue(src, m.get('rate')!, `${where}.rate`);
    if (text !== null) {
      limits.rate = parseRate(text);
      if (!limits.rate)
        src.report(
          m.get('rate'),
          'bad_limit',
          `${where}.rate '${text}' must look like 60/minute (per second, minute, hour or day)`,
        );
    }
  }
  if (m.has('spend')) {
    const s = mappingEntries(src, m.get('spend')!, `${where}.spend`, ['usd', 'per']);
    if (s && (!s.has('usd') || !s.has('per')))
      src.report(m.get('spend'), 'bad_limit', `${where}.spend needs 'usd' and 'per'`);
    else if (s) {
      const usd = numberValue(src, s.get('usd')!, `${where}.spend.usd`, { min: 0 });
      const per = oneOf(src, s.get('per')!, `${where}.spend.per`, PERIODS);
      if (usd !== null && toMicros(usd) === null)
        src.report(
          s.get('usd'),
          'bad_limit',
          `${where}.spend.usd ${usd} must have at most 6 decimals (money is kept in micro-dollars)`,
        );
      else if (usd !== null && per) limits.spend = { usd, per };
    }
  }
  if (m.has('tokens')) {
    const t = mappingEntries(src, m.get('tokens')!, `${where}.tokens`, ['count', 'per']);
    if (t && (!t.has('count') || !t.has('per')))
      src.report(m.get('tokens'), 'bad_limit', `${where}.tokens needs 'count' and 'per'`);
    else if (t) {
      const count = numberValue(src, t.get('count')!, `${where}.tokens.count`, { min: 0, integer: true });
      const per = oneOf(src, t.get('per')!, `${where}.tokens.per`, PERIODS);
      if (count !== null && per) limits.tokens = { count, per };
    }
  }
  return limits;
}

export function checkRules(src: SourceFile, node: Node | null): CheckedRule[] {
  const out: CheckedRule[] = [];
  sequenceItems(src, node, 'rules').forEach((item, i) => {
    let where = `rules[${i}]`;
    const m = mappingEntries(src, item, where, RULE_KEYS);
    if (!m) return;
    for (const key of ['id', 'effect'] as const) {
      if (!m.has(key)) src.report(item, 'missing_key', `${where} needs '${key}'`);
    }
    if (!m.has('id') || !m.has('effect')) return;
    const id = stringValue(src, m.get('id')!, `${where}.id`);
    if (id !== null && !RULE_ID.test(id))
      src.report(m.get('id'), 'bad_value', `rule id '${id}' must be 1-64 characters of [a-z0-9-]`);
    if (id !== null) where = `rule '${id}'`;
    const effect = oneOf(src, m.get('effect')!, `${where}.effect`, EFFECTS);
    const list = (key: 'actions' | 'resources' | 'agents' | 'roles') =>
      m.has(key) ? globList(src, m.get(key)!, `${where}.${key}`) : null;
    const roles = m.has('roles')
      ? sequenceItems(src, m.get('roles')!, `${where}.roles`).map((n, j) => stringValue(src, n, `${where}.roles[${j}]`))
      : null;
    let when: Expr | null = null;
    let whenSource: string | null = null;
    const whenNode = m.get('when') ?? null;
    if (m.has('when')) {
      whenSource = stringValue(src, whenNode, `${where}.when`);
      if (whenSource !== null) {
        try {
          when = parseExpr(whenSource);
        } catch (err) {
          if (!(err instanceof ExprSyntaxError)) throw err;
          reportInExpr(src, whenNode!, whenSource, err.code, `${where}.when: ${err.message}`, err.pos);
        }
      }
    }
    const rule: Rule = {
      id: id ?? '',
      effect: effect ?? 'deny',
      actions: list('actions'),
      resources: list('resources'),
      agents: list('agents'),
      roles: roles && roles.every((r) => r !== null) ? [...new Set(roles as string[])].sort() : null,
      when,
      whenSource,
      limits: m.has('limits')
        ? checkLimits(src, m.get('limits')!, `${where}.limits`)
        : { rate: null, spend: null, tokens: null },
      risk: m.has('risk') ? (numberValue(src, m.get('risk')!, `${where}.risk`, { min: 0, max: 1e9 }) ?? 0) : 0,
      reason: m.has('reason') ? stringValue(src, m.get('reason')!, `${where}.reason`) : null,
      mode: m.has('mode') ? oneOf(src, m.get('mode')!, `${where}.mode`, ['enforce', 'shadow'] as const) : null,
    };
    if (effect && effect !== 'allow' && (rule.limits.rate || rule.limits.spend || rule.limits.tokens)) {
      src.report(m.get('limits'), 'bad_limit', `${where}: limits only apply to allow rules, not ${effect}`);
    }
    out.push({ rule, src, idNode: m.get('id')!, whenNode });
  });
  return out;
}
