/**
 * @module
 * Checks the `actions` registry (attrs and params schemas) and the `resources`
 * catalogue of one policy file.
 */
import { isSeq, type Node } from 'yaml';
import { globProblem } from './glob.js';
import {
  PARAM_TYPES,
  type ActionCost,
  type ActionEntry,
  type AttrScalar,
  type AttrValue,
  type ParamSchema,
  type ResourceEntry,
} from './model.js';
import {
  mappingEntries,
  namedEntries,
  numberValue,
  oneOf,
  scalarValue,
  sequenceItems,
  stringValue,
  type SourceFile,
} from './yaml-source.js';

const ATTR_NAME = /^[a-z_][a-z0-9_]{0,63}$/;
const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;

/** A glob list entry: checks the glob and reports `bad_glob` at its position. */
export function checkGlob(src: SourceFile, node: Node | null, where: string): string | null {
  const g = stringValue(src, node, where);
  if (g === null) return null;
  const problem = globProblem(g);
  if (problem) {
    src.report(node, 'bad_glob', `${where}: ${problem}`);
    return null;
  }
  return g;
}

function checkAttrScalar(src: SourceFile, node: Node | null, where: string): AttrScalar | null {
  const v = scalarValue(node);
  if (typeof v === 'string') return stringValue(src, node, where);
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return numberValue(src, node, where);
  src.report(node, 'bad_value', `${where} must be a string, number or boolean`);
  return null;
}

function checkAttrs(src: SourceFile, node: Node | null, where: string): Record<string, AttrValue> {
  const attrs: Record<string, AttrValue> = {};
  for (const [name, value, keyNode] of namedEntries(src, node, where)) {
    if (!ATTR_NAME.test(name) || name === 'name') {
      src.report(keyNode, 'bad_value', `attribute '${name}' in ${where} must match [a-z_][a-z0-9_]* and not be 'name'`);
      continue;
    }
    if (isSeq(value)) {
      const items = sequenceItems(src, value, `${where}.${name}`).map((n, i) =>
        checkAttrScalar(src, n, `${where}.${name}[${i}]`),
      );
      if (items.every((x) => x !== null)) attrs[name] = items as AttrScalar[];
    } else {
      const v = checkAttrScalar(src, value, `${where}.${name}`);
      if (v !== null) attrs[name] = v;
    }
  }
  return attrs;
}

const PARAM_KEYS = ['type', 'required', 'integer', 'min', 'max', 'max_length', 'enum', 'pattern'] as const;

function checkParamSchema(src: SourceFile, name: string, node: Node | null, where: string): ParamSchema | null {
  const m = mappingEntries(src, node, where, PARAM_KEYS);
  if (!m) return null;
  if (!m.has('type')) {
    src.report(node, 'missing_key', `${where} needs a 'type' (${PARAM_TYPES.join(', ')})`);
    return null;
  }
  const type = oneOf(src, m.get('type')!, `${where}.type`, PARAM_TYPES);
  if (!type) return null;
  const flag = (key: string) => {
    if (!m.has(key)) return false;
    const v = scalarValue(m.get(key)!);
    if (typeof v !== 'boolean') src.report(m.get(key), 'bad_value', `${where}.${key} must be true or false`);
    return v === true;
  };
  const schema: ParamSchema = {
    name,
    type,
    required: flag('required'),
    integer: flag('integer'),
    min: m.has('min') ? numberValue(src, m.get('min')!, `${where}.min`) : null,
    max: m.has('max') ? numberValue(src, m.get('max')!, `${where}.max`) : null,
    maxLength: m.has('max_length')
      ? numberValue(src, m.get('max_length')!, `${where}.max_length`, { min: 0, integer: true })
      : null,
    enum: null,
    pattern: m.has('pattern') ? checkGlob(src, m.get('pattern')!, `${where}.pattern`) : null,
  };
  const misuse = (key: string, allowed: string) =>
    src.report(m.get(key), 'bad_params_schema', `${where}.${key} only applies to ${allowed} params, not ${type}`);
  if (type !== 'number') for (const key of ['integer', 'min', 'max']) if (m.has(key)) misuse(key, 'number');
  if (type !== 'string' && type !== 'array' && m.has('max_length')) misuse('max_length', 'string and array');
  if (type !== 'string' && m.has('pattern')) misuse('pattern', 'string');
  if (schema.min !== null && schema.max !== null && schema.min > schema.max) {
    src.report(m.get('min'), 'bad_params_schema', `${where}: min ${schema.min} is greater than max ${schema.max}`);
  }
  if (m.has('enum')) {
    if (type === 'object' || type === 'array') misuse('enum', 'string, number and boolean');
    const items = sequenceItems(src, m.get('enum')!, `${where}.enum`);
    const values = items.map((n, i) => checkAttrScalar(src, n, `${where}.enum[${i}]`));
    const wrong = values.findIndex((v) => v !== null && typeof v !== type);
    if (wrong >= 0) src.report(items[wrong], 'bad_params_schema', `${where}.enum[${wrong}] is not a ${type}`);
    else if (items.length === 0)
      src.report(m.get('enum'), 'bad_params_schema', `${where}.enum is empty, so no value could pass`);
    else if (values.every((v) => v !== null)) schema.enum = values as AttrScalar[];
  }
  return schema;
}

const ACTION_KEYS = ['match', 'attrs', 'params', 'additional_params', 'log_params', 'cost'] as const;
const COST_PATH = /^params\.([A-Za-z_][A-Za-z0-9_-]{0,63})$/;

/** `cost: { usd: params.x, tokens: params.y }`: each unit read from a declared number param. */
function checkCost(src: SourceFile, node: Node, where: string, params: ParamSchema[] | null): ActionCost | null {
  const m = mappingEntries(src, node, where, ['usd', 'tokens']);
  if (!m) return null;
  const cost: ActionCost = { usd: null, tokens: null };
  for (const unit of ['usd', 'tokens'] as const) {
    if (!m.has(unit)) continue;
    const path = stringValue(src, m.get(unit)!, `${where}.${unit}`);
    const name = path === null ? null : (COST_PATH.exec(path)?.[1] ?? null);
    if (path !== null && name === null)
      src.report(m.get(unit), 'bad_value', `${where}.${unit} must be a param path such as params.amount_usd`);
    else if (name !== null && params?.find((p) => p.name === name)?.type !== 'number') {
      src.report(
        m.get(unit),
        'bad_params_schema',
        `${where}.${unit} reads params.${name}, which the params schema must declare with type number`,
      );
    } else if (name !== null) cost[unit] = name;
  }
  return cost.usd === null && cost.tokens === null ? null : cost;
}

/** A schema's fields (`{ name: { type, required, ... } }`), sorted by name. */
export function checkSchemaFields(src: SourceFile, node: Node, where: string): ParamSchema[] {
  const fields: ParamSchema[] = [];
  for (const [name, value, keyNode] of namedEntries(src, node, where)) {
    if (!PARAM_NAME.test(name)) {
      src.report(keyNode, 'bad_params_schema', `param name '${name}' in ${where} must match [A-Za-z_][A-Za-z0-9_-]*`);
      continue;
    }
    const schema = checkParamSchema(src, name, value, `${where}.${name}`);
    if (schema) fields.push(schema);
  }
  return fields.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function checkActions(src: SourceFile, node: Node | null): ActionEntry[] {
  const out: ActionEntry[] = [];
  sequenceItems(src, node, 'actions').forEach((item, i) => {
    const where = `actions[${i}]`;
    const m = mappingEntries(src, item, where, ACTION_KEYS);
    if (!m) return;
    if (!m.has('match')) return src.report(item, 'missing_key', `${where} needs a 'match' glob`);
    const match = checkGlob(src, m.get('match')!, `${where}.match`);
    const attrs = m.has('attrs') ? checkAttrs(src, m.get('attrs')!, `${where}.attrs`) : {};
    let params: ParamSchema[] | null = null;
    if (m.has('params')) params = checkSchemaFields(src, m.get('params')!, `${where}.params`);
    let additionalParams = true;
    if (m.has('additional_params')) {
      const v = scalarValue(m.get('additional_params')!);
      if (typeof v !== 'boolean')
        src.report(m.get('additional_params'), 'bad_value', `${where}.additional_params must be true or false`);
      else additionalParams = v;
      if (!m.has('params'))
        src.report(
          m.get('additional_params'),
          'bad_params_schema',
          `${where}.additional_params needs a 'params' schema`,
        );
    }
    const logParams: string[] = [];
    if (m.has('log_params')) {
      sequenceItems(src, m.get('log_params')!, `${where}.log_params`).forEach((n, j) => {
        const name = stringValue(src, n, `${where}.log_params[${j}]`);
        if (name !== null && !PARAM_NAME.test(name))
          src.report(n, 'bad_value', `${where}.log_params[${j}] '${name}' is not a param name`);
        else if (name !== null) logParams.push(name);
      });
    }
    const cost = m.has('cost') ? checkCost(src, m.get('cost')!, `${where}.cost`, params) : null;
    if (match !== null) out.push({ match, attrs, params, additionalParams, logParams, cost });
  });
  return out;
}

export function checkResources(src: SourceFile, node: Node | null): ResourceEntry[] {
  const out: ResourceEntry[] = [];
  sequenceItems(src, node, 'resources').forEach((item, i) => {
    const where = `resources[${i}]`;
    const m = mappingEntries(src, item, where, ['match', 'attrs']);
    if (!m) return;
    if (!m.has('match')) return src.report(item, 'missing_key', `${where} needs a 'match' glob`);
    const match = checkGlob(src, m.get('match')!, `${where}.match`);
    const attrs = m.has('attrs') ? checkAttrs(src, m.get('attrs')!, `${where}.attrs`) : {};
    if (match !== null) out.push({ match, attrs });
  });
  return out;
}
