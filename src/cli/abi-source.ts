/**
 * @module
 * Generates `assembly/abi.ts`, the evaluator's side of the binary contract, from the one
 * source of it: the numbers in `src/policy/bundle/format.ts` and the records in
 * `src/policy/bundle/layout.ts`. `npm run build:wasm` writes it before compiling; a test
 * fails when the committed file is not what this generates.
 */
import * as F from '../policy/bundle/format.js';
import { RECORDS, type Field, type RecordLayout } from '../policy/bundle/layout.js';
import { MAX_MACRO_DEPTH } from '../policy/expr/ast.js';
import { DETECTORS } from '../policy/model.js';
import { ASSERT_KINDS } from '../policy/regex/program.js';
import { EVAL_ERROR_KINDS, PARAMS_VIOLATIONS } from '../policy/verdict.js';

export const ABI_FILE = 'assembly/abi.ts';

/** `ShadowDecision` → `SHADOW_DECISION`, `no_match` → `NO_MATCH`. */
const constantCase = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

type AsType = 'u8' | 'u32';

function constants(prefix: string, entries: Iterable<readonly [string, number]>, type: AsType = 'u32'): string[] {
  return [...entries].map(([name, value]) => `export const ${prefix}${constantCase(name)}: ${type} = ${value};`);
}

/** A TypeScript numeric enum's (name, value) pairs. */
const enumEntries = (e: Record<string, string | number>) =>
  Object.entries(e).filter((entry): entry is [string, number] => typeof entry[1] === 'number');
const listEntries = (list: readonly string[]) => list.map((name, i) => [name, i] as const);
const hex = (n: number) => `0x${n.toString(16)}`;

const AS_TYPE: Record<Field['type'], string> = { u8: 'u8', u32: 'u32', i32: 'i32', f64: 'f64', bytes32: 'u32' };

/** A record's accessors: `RuleRecord.usdLimitMicros(at)` reads that field of the rule at `at`. */
function view(layout: RecordLayout): string[] {
  const lines = [`/** ${layout.doc} ${layout.bytes} bytes. */`, `export class ${layout.name} {`];
  for (const [name, field] of Object.entries(layout.fields) as [string, Field][]) {
    if (name === 'at' || name === 'after' || name === 'size')
      throw new Error(`${layout.name}.${name}: the name is taken by the table accessors`);
    if (field.doc) lines.push(`  /** ${field.doc} */`);
    if (field.type === 'bytes32')
      lines.push(`  @inline static ${name}(at: u32): u32 {`, `    return at + ${field.offset};`, '  }');
    else
      lines.push(
        `  @inline static ${name}(at: u32): ${AS_TYPE[field.type]} {`,
        `    return load<${AS_TYPE[field.type]}>(at, ${field.offset});`,
        '  }',
      );
    if (layout.writtenByEvaluator && field.type !== 'bytes32') {
      const setter = `set${name[0].toUpperCase()}${name.slice(1)}`;
      lines.push(
        `  @inline static ${setter}(at: u32, value: ${AS_TYPE[field.type]}): void {`,
        `    store<${AS_TYPE[field.type]}>(at, value, ${field.offset});`,
        '  }',
      );
    }
  }
  lines.push("  /** The record's size in bytes. */");
  lines.push(`  @inline static size(): u32 {`, `    return ${layout.bytes};`, '  }');
  lines.push("  /** The address just after the record (where a table's next record, or what follows it, begins). */");
  lines.push(`  @inline static after(at: u32): u32 {`, `    return at + ${layout.bytes};`, '  }');
  lines.push(`  /** The address of record \`i\` of a table of them at \`table\`. */`);
  lines.push(`  @inline static at(table: u32, i: u32): u32 {`, `    return table + i * ${layout.bytes};`, '  }');
  lines.push('}');
  return lines;
}

/** The text of `assembly/abi.ts`. */
export function assemblyAbiSource(): string {
  const sections = [
    [
      '// Versions and magic numbers.',
      [
        `export const ABI_VERSION_NUMBER: u32 = ${F.ABI_VERSION};`,
        `export const ABI_MINOR_NUMBER: u32 = ${F.ABI_MINOR};`,
        `export const BUNDLE_MAGIC: u32 = ${hex(F.BUNDLE_MAGIC)};`,
        `export const REQUEST_MAGIC: u32 = ${hex(F.REQUEST_MAGIC)};`,
        `export const HEADER_BYTES: u32 = ${F.HEADER_BYTES};`,
        `export const SECTION_COUNT: u32 = ${F.SECTION_COUNT};`,
      ],
    ],
    [
      '// Sections and header flags.',
      [
        ...constants('SEC_', enumEntries(F.Section)),
        ...constants('', [
          ['FLAG_SHADOW', F.FLAG_SHADOW],
          ['FLAG_CLOSED_REGISTRY', F.FLAG_CLOSED_REGISTRY],
          ['FLAG_RISK', F.FLAG_RISK],
        ]),
      ],
    ],
    [
      '// Settings and agent-wide budgets.',
      constants('', [
        ['SETTINGS_BYTES', F.SETTINGS_BYTES],
        ['BUDGET_USD', F.BUDGET_USD],
        ['BUDGET_USD_MONTH', F.BUDGET_USD_MONTH],
        ['BUDGET_TOKENS', F.BUDGET_TOKENS],
        ['BUDGET_TOKENS_MONTH', F.BUDGET_TOKENS_MONTH],
      ]),
    ],
    [
      "// Value tags (TAG_BOOL is the VM's own, never on the wire).",
      [...constants('TAG_', enumEntries(F.Tag)), `export const TAG_BOOL: u32 = ${F.VM_TAG_BOOL};`],
    ],
    [
      '// Glob tokens and effects.',
      [
        ...constants(
          '',
          [
            ['GLOB_STAR', F.GLOB_STAR],
            ['GLOB_DOUBLE_STAR', F.GLOB_DOUBLE_STAR],
          ],
          'u8',
        ),
        ...constants('EFFECT_', [
          ['ALLOW', F.EFFECT_CODES.allow],
          ['DENY', F.EFFECT_CODES.deny],
          ['APPROVAL', F.EFFECT_CODES.require_approval],
        ]),
      ],
    ],
    [
      '// Record sizes and flags.',
      constants('', [
        ['RULE_BYTES', F.RULE_BYTES],
        ['RULE_SHADOW', F.RULE_SHADOW],
        ['RULE_RATE', F.RULE_RATE],
        ['RULE_SPEND', F.RULE_SPEND],
        ['RULE_TOKENS', F.RULE_TOKENS],
        ['RULE_ANY_RESOURCE', F.RULE_ANY_RESOURCE],
        ['RULE_ANY_AGENT', F.RULE_ANY_AGENT],
        ['RULE_ANY_ROLE', F.RULE_ANY_ROLE],
        ['ACTION_BYTES', F.ACTION_BYTES],
        ['RESOURCE_BYTES', F.RESOURCE_BYTES],
        ['PARAM_BYTES', F.PARAM_BYTES],
        ['PARAM_REQUIRED', F.PARAM_REQUIRED],
        ['PARAM_INTEGER', F.PARAM_INTEGER],
        ['PARAM_MIN', F.PARAM_MIN],
        ['PARAM_MAX', F.PARAM_MAX],
        ['PARAM_MAX_LENGTH', F.PARAM_MAX_LENGTH],
        ['PARAM_ENUM', F.PARAM_ENUM],
        ['PARAM_PATTERN', F.PARAM_PATTERN],
      ]),
    ],
    [
      "// Expression path roots (ROOT_VAR + slot names a macro's bound variable) and opcodes.",
      [
        ...constants('ROOT_', enumEntries(F.Root)),
        `export const MAX_MACRO_DEPTH: u32 = ${MAX_MACRO_DEPTH};`,
        ...enumEntries(F.Op).map(
          ([name, value]) => `export const OP_${constantCase(name)}: u8 = 0x${value.toString(16).padStart(2, '0')};`,
        ),
      ],
    ],
    [
      '// Regex program instructions and assertion kinds.',
      [...constants('RX_', enumEntries(F.RegexOp)), ...constants('RX_', listEntries(ASSERT_KINDS))],
    ],
    [
      '// Request header offsets.',
      [...constants('REQ_', enumEntries(F.Req)), `export const REQ_SUSPENDED: u32 = ${F.REQ_SUSPENDED};`],
    ],
    ['// Output offsets.', constants('OUT_', enumEntries(F.Out))],
    ['// Status codes.', constants('STATUS_', enumEntries(F.Status))],
    ['// Decision codes (index into CODE_LIST).', constants('CODE_', listEntries(F.CODE_LIST))],
    ['// Rule error kinds (index into EVAL_ERROR_KINDS).', constants('ERR_', listEntries(EVAL_ERROR_KINDS))],
    ['// Params violations (index into PARAMS_VIOLATIONS).', constants('PV_', listEntries(PARAMS_VIOLATIONS))],
    [
      '// Limits.',
      constants('', [
        ['MAX_REDACTIONS', F.MAX_REDACTIONS],
        ['INPUT_CAPACITY', F.INPUT_CAPACITY],
        ['MAX_VALUE_DEPTH', F.MAX_ENCODED_VALUE_DEPTH],
        ['MAX_GLOB_TOKENS', F.MAX_GLOB_TOKENS],
        ['DETECTOR_COUNT', DETECTORS.length],
      ]),
    ],
  ] as const;
  const out = [
    '// Generated by src/cli/abi-source.ts from src/policy/bundle/format.ts and layout.ts; do not edit.',
    '/**',
    ' * The binary contract with the TypeScript host: its numbers, and a named accessor for each',
    " * field of the bundle's records (`RuleRecord.effect(rule)`), so no raw offset appears in",
    ' * the evaluator.',
    ' */',
  ];
  for (const [heading, lines] of sections) out.push('', heading, ...lines);
  for (const layout of RECORDS) out.push('', ...view(layout));
  return `${out.join('\n')}\n`;
}
