/**
 * The AssemblyScript ABI constants must equal the TypeScript ones they mirror.
 */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import * as F from '../../src/policy/bundle/format.js';
import { CODE_LIST } from '../../src/policy/bundle/format.js';
import { EVAL_ERROR_KINDS, PARAMS_VIOLATIONS } from '../../src/policy/verdict.js';
import { DETECTORS } from '../../src/policy/model.js';
import { ASSERT_KINDS } from '../../src/policy/regex/program.js';
import { MAX_MACRO_DEPTH } from '../../src/policy/expr/ast.js';

const source = readFileSync(new URL('../../assembly/abi.ts', import.meta.url), 'utf8');
const asConst = (name: string): number => {
  const m = new RegExp(`export const ${name}: \\w+ = ([^;]+);`).exec(source);
  if (!m) throw new Error(`assembly/abi.ts has no ${name}`);
  return Number(eval(m[1].replace(/<\w+>/g, '')));
};

it('mirrors the bundle and request layout', () => {
  expect(asConst('ABI_VERSION_NUMBER')).toBe(F.ABI_VERSION);
  expect(asConst('BUNDLE_MAGIC')).toBe(F.BUNDLE_MAGIC);
  expect(asConst('REQUEST_MAGIC')).toBe(F.REQUEST_MAGIC);
  expect(asConst('HEADER_BYTES')).toBe(F.HEADER_BYTES);
  expect(asConst('SECTION_COUNT')).toBe(F.SECTION_COUNT);
  expect(asConst('RULE_BYTES')).toBe(F.RULE_BYTES);
  expect(asConst('ACTION_BYTES')).toBe(F.ACTION_BYTES);
  expect(asConst('PARAM_BYTES')).toBe(F.PARAM_BYTES);
  expect(asConst('MAX_REDACTIONS')).toBe(F.MAX_REDACTIONS);
  expect(asConst('INPUT_CAPACITY')).toBe(F.INPUT_CAPACITY);
  for (const [name, value] of Object.entries(F.Req)) {
    if (typeof value !== 'number') continue;
    const asName = `REQ_${name.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()}`;
    expect(asConst(asName), asName).toBe(value);
  }
  for (const [name, value] of Object.entries(F.Out)) {
    if (typeof value !== 'number') continue;
    const asName = `OUT_${name.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()}`;
    expect(asConst(asName), asName).toBe(value);
  }
  for (const [name, value] of Object.entries(F.Op)) {
    if (typeof value !== 'number') continue;
    expect(asConst(`OP_${name.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()}`)).toBe(value);
  }
  expect(asConst('SEC_REGEXES')).toBe(F.Section.Regexes);
  expect(asConst('ROOT_VAR')).toBe(F.Root.Var);
  for (const name of ['SETTINGS_BYTES', 'BUDGET_USD', 'BUDGET_USD_MONTH', 'BUDGET_TOKENS', 'BUDGET_TOKENS_MONTH'] as const) expect(asConst(name), name).toBe(F[name]);
  expect(asConst('MAX_MACRO_DEPTH')).toBe(MAX_MACRO_DEPTH);
  for (const [name, value] of Object.entries(F.RegexOp)) {
    if (typeof value === 'number') expect(asConst(`RX_${name.toUpperCase()}`), name).toBe(value);
  }
  ASSERT_KINDS.forEach((kind, i) => expect(asConst(`RX_${kind.toUpperCase()}`), kind).toBe(i));
});

it('numbers codes, errors, violations and detectors the same way', () => {
  const codes = ['RULE', 'NO_MATCH', 'SUSPENDED', 'UNREGISTERED_ACTION', 'PARAMS', 'DLP', 'RATE_LIMITED', 'BUDGET_EXCEEDED', 'RISK', 'SHADOW'];
  codes.forEach((c, i) => expect(asConst(`CODE_${c}`), c).toBe(i));
  expect(CODE_LIST.slice(0, codes.length)).toEqual(['rule', 'no_match', 'suspended', 'unregistered_action', 'params', 'dlp', 'rate_limited', 'budget_exceeded', 'risk', 'shadow']);
  ['MISSING_ATTRIBUTE', 'TYPE_ERROR', 'DIVISION_BY_ZERO'].forEach((e, i) => expect(asConst(`ERR_${e}`)).toBe(i));
  expect(EVAL_ERROR_KINDS).toEqual(['missing_attribute', 'type_error', 'division_by_zero']);
  PARAMS_VIOLATIONS.forEach((v, i) => expect(asConst(`PV_${v.toUpperCase()}`), v).toBe(i));
  expect(asConst('DETECTOR_COUNT')).toBe(DETECTORS.length);
});
