/**
 * @module
 * Reference checks of a request's params against its action's schema. Schema params are
 * checked in name order, then unknown params in request order; the first violation wins.
 */
import type { ParamsViolation } from '../verdict.js';
import type { JsonValue } from '../../lib/json.js';
import { globMatch } from '../glob.js';
import type { ActionEntry, ParamSchema } from '../model.js';

function hasType(schema: ParamSchema, v: JsonValue): boolean {
  switch (schema.type) {
    case 'string':
      return typeof v === 'string';
    case 'number':
      return typeof v === 'number';
    case 'boolean':
      return typeof v === 'boolean';
    case 'array':
      return Array.isArray(v);
    case 'object':
      return v !== null && typeof v === 'object' && !Array.isArray(v);
  }
}

/** Length in Unicode code points for strings, in items for arrays. */
function lengthOf(v: JsonValue): number {
  return Array.isArray(v) ? v.length : [...(v as string)].length;
}

function violation(schema: ParamSchema, v: JsonValue): ParamsViolation | null {
  if (!hasType(schema, v)) return 'type';
  if (schema.integer && !Number.isSafeInteger(v)) return 'integer';
  if (schema.min !== null && (v as number) < schema.min) return 'min';
  if (schema.max !== null && (v as number) > schema.max) return 'max';
  if (schema.maxLength !== null && lengthOf(v) > schema.maxLength) return 'max_length';
  if (schema.enum !== null && !schema.enum.some((e) => e === v)) return 'enum';
  if (schema.pattern !== null && !globMatch(schema.pattern, v as string)) return 'pattern';
  return null;
}

/** The first violation of the entry's schema, or null when params pass. */
export function checkParams(
  entry: ActionEntry,
  params: { [key: string]: JsonValue },
): { violation: ParamsViolation; param: string } | null {
  if (entry.params === null) return null;
  for (const schema of entry.params) {
    if (!Object.hasOwn(params, schema.name)) {
      if (schema.required) return { violation: 'required', param: schema.name };
      continue;
    }
    const v = violation(schema, params[schema.name]);
    if (v) return { violation: v, param: schema.name };
  }
  if (!entry.additionalParams) {
    const known = new Set(entry.params.map((p) => p.name));
    const unknown = Object.keys(params).find((k) => !known.has(k));
    if (unknown !== undefined) return { violation: 'unknown', param: unknown };
  }
  return null;
}
