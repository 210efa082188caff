/**
 * The ABI: `assembly/abi.ts` is generated from the TypeScript side, its constants equal the
 * TypeScript ones, its records have named accessors, and the host checks the versions.
 */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import * as F from '../../src/policy/bundle/format.js';
import { EVAL_ERROR_KINDS, PARAMS_VIOLATIONS } from '../../src/policy/verdict.js';
import { DETECTORS } from '../../src/policy/model.js';
import { ASSERT_KINDS } from '../../src/policy/regex/program.js';
import { MAX_MACRO_DEPTH } from '../../src/policy/expr/ast.js';
import { RECORDS, RULE, SETTINGS } from '../../src/policy/bundle/layout.js';
import { assemblyAbiSource } from '../../src/cli/abi-source.js';
import { compilePolicies } from '../../src/policy/compile.js';
import { WasmEvaluator } from '../../src/engine/wasm-evaluator.js';
import type { TollgateError } from '../../src/lib/errors.js';

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
  for (const name of [
    'SETTINGS_BYTES',
    'BUDGET_USD',
    'BUDGET_USD_MONTH',
    'BUDGET_TOKENS',
    'BUDGET_TOKENS_MONTH',
  ] as const)
    expect(asConst(name), name).toBe(F[name]);
  expect(asConst('MAX_MACRO_DEPTH')).toBe(MAX_MACRO_DEPTH);
  for (const [name, value] of Object.entries(F.RegexOp)) {
    if (typeof value === 'number') expect(asConst(`RX_${name.toUpperCase()}`), name).toBe(value);
  }
  ASSERT_KINDS.forEach((kind, i) => expect(asConst(`RX_${kind.toUpperCase()}`), kind).toBe(i));
});

it('numbers codes, errors, violations and detectors the same way', () => {
  const codes = [
    'RULE',
    'NO_MATCH',
    'SUSPENDED',
    'UNREGISTERED_ACTION',
    'PARAMS',
    'DLP',
    'RATE_LIMITED',
    'BUDGET_EXCEEDED',
    'RISK',
    'SHADOW',
  ];
  codes.forEach((c, i) => expect(asConst(`CODE_${c}`), c).toBe(i));
  expect(F.CODE_LIST.slice(0, codes.length)).toEqual([
    'rule',
    'no_match',
    'suspended',
    'unregistered_action',
    'params',
    'dlp',
    'rate_limited',
    'budget_exceeded',
    'risk',
    'shadow',
  ]);
  ['MISSING_ATTRIBUTE', 'TYPE_ERROR', 'DIVISION_BY_ZERO'].forEach((e, i) => expect(asConst(`ERR_${e}`)).toBe(i));
  expect(EVAL_ERROR_KINDS).toEqual(['missing_attribute', 'type_error', 'division_by_zero']);
  PARAMS_VIOLATIONS.forEach((v, i) => expect(asConst(`PV_${v.toUpperCase()}`), v).toBe(i));
  expect(asConst('DETECTOR_COUNT')).toBe(DETECTORS.length);
});

it('assembly/abi.ts is exactly what the one ABI source generates', () => {
  expect(source).toBe(assemblyAbiSource());
});

it('every record field has a named accessor at its offset, and records are laid out without gaps', () => {
  for (const layout of RECORDS) {
    let end = 0;
    for (const [name, field] of Object.entries(layout.fields)) {
      expect(field.offset, `${layout.name}.${name}`).toBe(end);
      end = field.offset + (field.type === 'bytes32' ? 32 : field.type === 'f64' ? 8 : field.type === 'u8' ? 1 : 4);
      const accessor = new RegExp(
        `@inline static ${name}\\(at: u32\\): \\w+ \\{\\n    return (load<\\w+>\\(at, ${field.offset}\\)|at \\+ ${field.offset});`,
      );
      expect(source.slice(source.indexOf(`export class ${layout.name} {`)), `${layout.name}.${name}`).toMatch(accessor);
    }
    expect(end, layout.name).toBe(layout.bytes);
  }
  expect(F.RULE_BYTES).toBe(RULE.bytes);
  expect(F.SETTINGS_BYTES).toBe(SETTINGS.bytes);
});

/** A module that exports only the two version globals: enough to meet the host's version check. */
function versionOnlyModule(major: number, minor: number | null): Uint8Array {
  const name = (s: string) => [s.length, ...new TextEncoder().encode(s)];
  const globals = [major, ...(minor === null ? [] : [minor])].flatMap((v) => [0x7f, 0x00, 0x41, v, 0x0b]);
  const globalSection = [globals.length / 5, ...globals];
  const exportsList = [
    ...name('ABI_VERSION'),
    0x03,
    0x00,
    ...(minor === null ? [] : [...name('ABI_MINOR'), 0x03, 0x01]),
  ];
  const exportSection = [minor === null ? 1 : 2, ...exportsList];
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    0x06,
    globalSection.length,
    ...globalSection,
    0x07,
    exportSection.length,
    ...exportSection,
  ]);
}

it('the host checks the minor version: an older evaluator is refused, a newer one is fine', async () => {
  const bundle = compilePolicies({ 'p.yaml': 'rules:\n  - id: r\n    effect: allow\n' }).bytes;
  const refused = (wasm: Uint8Array) =>
    WasmEvaluator.create(wasm, bundle).then(
      () => null,
      (err: TollgateError) => err,
    );
  expect(await refused(versionOnlyModule(F.ABI_VERSION, F.ABI_MINOR - 1))).toMatchObject({
    code: 'abi_mismatch',
    message: expect.stringMatching(/older than/),
  });
  expect(await refused(versionOnlyModule(F.ABI_VERSION, null))).toMatchObject({ code: 'abi_mismatch' });
  expect(await refused(versionOnlyModule(F.ABI_VERSION + 1, F.ABI_MINOR))).toMatchObject({
    code: 'abi_mismatch',
    message: expect.stringMatching(/not the supported/),
  });
  // A newer minor passes the version check, and only then fails for want of the other exports.
  const newer = await refused(versionOnlyModule(F.ABI_VERSION, F.ABI_MINOR + 1));
  expect(newer).not.toMatchObject({ code: 'abi_mismatch' });
  // The real evaluator exports the minor version it was built with.
  const { instance } = await WebAssembly.instantiate(
    readFileSync(new URL('../../build/policy.wasm', import.meta.url)),
    { env: { abort() {} } },
  );
  expect(Number((instance.exports.ABI_MINOR as WebAssembly.Global).value)).toBe(F.ABI_MINOR);
});
