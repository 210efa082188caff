/**
 * @module
 * The bundle's fixed-size records, declared once. Each record is a list of fields laid out
 * in order, little-endian, with no padding: the compiler writes them with `writeRecord`, the
 * host reads them with `readField`, and `assembly/abi.ts` (generated from this file by
 * `src/cli/abi-source.ts`) gives the evaluator a named accessor per field.
 */
import type { ByteWriter } from './writer.js';

/** A field's wire type; `bytes32` is an opaque run of 32 bytes (the digest). */
export type FieldType = 'u8' | 'u32' | 'i32' | 'f64' | 'bytes32';

const FIELD_BYTES: Record<FieldType, number> = { u8: 1, u32: 4, i32: 4, f64: 8, bytes32: 32 };

export interface Field {
  readonly offset: number;
  readonly type: FieldType;
  readonly doc: string;
}

export interface RecordLayout<Name extends string = string> {
  /** The accessor class's name in `assembly/abi.ts`. */
  readonly name: string;
  readonly doc: string;
  readonly bytes: number;
  readonly fields: { readonly [K in Name]: Field };
  /** Records the evaluator writes (its output) get setters in `assembly/abi.ts` too. */
  readonly writtenByEvaluator: boolean;
}

type FieldSpec = readonly [name: string, type: FieldType, doc: string];

function record<const Spec extends readonly FieldSpec[]>(
  name: string,
  doc: string,
  spec: Spec,
  writtenByEvaluator = false,
): RecordLayout<Spec[number][0]> {
  const fields: Record<string, Field> = {};
  let offset = 0;
  for (const [field, type, fieldDoc] of spec) {
    fields[field] = { offset, type, doc: fieldDoc };
    offset += FIELD_BYTES[type];
  }
  return { name, doc, bytes: offset, fields: fields as RecordLayout<Spec[number][0]>['fields'], writtenByEvaluator };
}

/** The bundle header; the section table follows it. */
export const BUNDLE_HEADER = record('BundleHeader', 'The bundle header; the section table follows it.', [
  ['magic', 'u32', '`BUNDLE_MAGIC`'],
  ['abi', 'u32', 'the ABI major version the bundle was written for'],
  ['length', 'u32', 'the whole bundle, in bytes'],
  ['flags', 'u32', '`FLAG_*`'],
  ['sectionCount', 'u32', '`SECTION_COUNT`'],
  ['digest', 'bytes32', 'SHA-256 of the whole bundle with these 32 bytes zeroed'],
] as const);

/** Where a section is: one entry per `Section`, after the header. Also a symbol's (offset, length) in the symbol data. */
export const SPAN = record('Span', 'An (offset, length) pair: a section table entry, or a symbol in the symbol data.', [
  ['offset', 'u32', 'from the start of the bundle (sections) or of the symbol data (symbols)'],
  ['length', 'u32', 'in bytes'],
] as const);

/** Settings the evaluator reads; custom detectors' regex ids (u32 each) follow. */
export const SETTINGS = record(
  'Settings',
  "Settings the evaluator reads; the custom detectors' regex ids (u32 each) follow.",
  [
    ['initialTrust', 'f64', "a new agent's trust"],
    ['escalateAt', 'f64', 'rolling risk at which an allow becomes require_approval'],
    ['denyAt', 'f64', 'rolling risk at which every request is denied'],
    ['dlpDenyMask', 'u32', 'built-in detectors that deny, one bit per `DETECTORS` index'],
    ['dlpRedactMask', 'u32', 'built-in detectors that redact'],
    ['budgetFlags', 'u32', '`BUDGET_*`: which agent-wide budgets apply, and per which period'],
    ['reserved', 'u32', 'zero'],
    ['usdBudgetMicros', 'f64', 'the agent-wide spend budget, micro-dollars'],
    ['tokenBudget', 'f64', 'the agent-wide token budget'],
    ['customDetectorCount', 'u32', 'how many custom DLP detectors follow'],
  ] as const,
);

/** A glob in the globs section; its bytes are in the glob data after the table. */
export const GLOB = record(
  'GlobEntry',
  'A glob: its bytes in the glob data, and the symbol it equals when it has no wildcard.',
  [
    ['dataOffset', 'u32', 'into the glob data'],
    ['length', 'u32', 'in bytes'],
    ['literalSymbol', 'i32', 'the symbol of a wildcard-free glob, else -1'],
  ] as const,
);

/** An action registry entry. */
export const ACTION = record('ActionEntry', 'An action registry entry.', [
  ['glob', 'u32', 'the action pattern'],
  ['attrs', 'i32', 'constant id of its attributes object'],
  ['paramsAt', 'i32', 'byte offset of its first param schema in the params section, or -1'],
  ['paramCount', 'u32', 'how many param schemas'],
  ['additionalParams', 'u32', '1 when params outside the schema are allowed'],
] as const);

/** A resource catalogue entry. */
export const RESOURCE = record('ResourceEntry', 'A resource catalogue entry.', [
  ['glob', 'u32', 'the resource pattern'],
  ['attrs', 'i32', 'constant id of its attributes object'],
] as const);

/** One param's schema. */
export const PARAM = record('ParamSchema', "One param's schema.", [
  ['name', 'u32', 'symbol'],
  ['type', 'u32', '`PARAM_TYPE_CODES`'],
  ['flags', 'u32', '`PARAM_*`: required, and which checks apply'],
  ['maxLength', 'u32', 'for strings and arrays'],
  ['min', 'f64', 'for numbers'],
  ['max', 'f64', 'for numbers'],
  ['enumValues', 'i32', 'constant id of the allowed values (a list), or -1'],
  ['pattern', 'i32', 'glob id strings must match, or -1'],
  ['reserved0', 'u32', 'zero'],
  ['reserved1', 'u32', 'zero'],
] as const);

/** A rule. Glob and role lists are in the pool. */
export const RULE = record('RuleRecord', 'A rule. Its glob and role lists are u32 lists in the pool.', [
  ['effect', 'u32', '`EFFECT_*`'],
  ['flags', 'u32', '`RULE_*`'],
  ['resourceGlobsAt', 'u32', 'pool offset of its resource globs'],
  ['resourceGlobCount', 'u32', ''],
  ['agentGlobsAt', 'u32', 'pool offset of its agent globs'],
  ['agentGlobCount', 'u32', ''],
  ['rolesAt', 'u32', 'pool offset of its role symbols'],
  ['roleCount', 'u32', ''],
  ['codeAt', 'i32', 'offset of its condition in the code section, or -1 for none'],
  ['codeLength', 'u32', 'in bytes'],
  ['rateCount', 'f64', 'allowed requests per rate window'],
  ['usdLimitMicros', 'f64', "the rule's own spend limit, micro-dollars"],
  ['tokenLimit', 'f64', "the rule's own token limit"],
  ['usdPerMonth', 'u32', '1 when the spend limit is per month, else per day'],
  ['tokensPerMonth', 'u32', '1 when the token limit is per month, else per day'],
  ['reserved0', 'u32', 'zero'],
  ['reserved1', 'u32', 'zero'],
] as const);

/** A list of rule indices in the pool: the rule index's entries for one exact symbol, and its "any" list. */
export const RULE_LIST = record('RuleList', 'A u32 list of rule indices in the pool.', [
  ['rulesAt', 'u32', 'pool offset'],
  ['ruleCount', 'u32', ''],
] as const);

/** A wildcard entry of the rule index: the rules listed under one glob. */
export const WILD_RULES = record('WildRules', 'A wildcard entry of the rule index: the rules listed under one glob.', [
  ['glob', 'u32', 'glob id'],
  ['rulesAt', 'u32', 'pool offset of the rule list'],
  ['ruleCount', 'u32', ''],
] as const);

/** A compiled regex program (`src/policy/regex/program.ts`): its instructions, then its class ranges, follow. */
export const REGEX_PROGRAM = record(
  'RegexProgram',
  'A compiled regex: this header, its instructions, then its class ranges.',
  [
    ['instructionCount', 'u32', ''],
    ['rangeCount', 'u32', ''],
  ] as const,
);

/** One regex instruction. */
export const REGEX_INSTRUCTION = record('RegexInstruction', 'One regex instruction: `RX_*` and two operands.', [
  ['op', 'u32', '`RX_*`'],
  ['a', 'u32', 'Class: first range; Split: first branch; Jump: target; Assert: `RX_*` kind'],
  ['b', 'u32', 'Class: range count; Split: second branch'],
] as const);

/** One code point range of a regex class. */
export const CLASS_RANGE = record('ClassRange', 'One code point range of a regex class, inclusive.', [
  ['low', 'i32', ''],
  ['high', 'i32', ''],
] as const);

/** Encoded values (bundle constants and request values) start with a `Tag` byte. */
export const NUMBER_VALUE = record('NumberValue', 'A number value.', [
  ['tag', 'u8', '`TAG_NUMBER`'],
  ['number', 'f64', ''],
] as const);

/** A string value: the tag, then an encoded string. */
export const STRING_VALUE = record('StringValue', 'A string value; its UTF-8 bytes follow.', [
  ['tag', 'u8', '`TAG_STRING`'],
  ['symbol', 'i32', 'symbol id, -1 for none, or not yet interned (request strings)'],
  ['length', 'u32', 'in bytes'],
] as const);

/** An encoded string (an object key, or a string value after its tag). */
export const ENCODED_STRING = record(
  'EncodedString',
  'An encoded string (an object key, or a string value after its tag); its UTF-8 bytes follow.',
  [
    ['symbol', 'i32', 'symbol id, -1 for none, or not yet interned (request strings)'],
    ['length', 'u32', 'in bytes'],
  ] as const,
);

/** A list or object value: items (objects: key, then value) follow. */
export const CONTAINER_VALUE = record(
  'ContainerValue',
  'A list or an object; its items follow (for objects, each an encoded key then a value).',
  [
    ['tag', 'u8', '`TAG_LIST` or `TAG_OBJECT`'],
    ['count', 'u32', 'items'],
    ['bodyBytes', 'u32', 'bytes of all the items'],
  ] as const,
);

/** A string in the request header (action, resource, agent): the host writes -1, the evaluator its symbol. */
export const STRING_REF = record(
  'StringRef',
  'A string in the request header: its symbol (interned by the evaluator) and where its bytes are.',
  [
    ['symbol', 'i32', 'written -1 by the host; the evaluator interns it'],
    ['offset', 'u32', 'from the start of the request'],
    ['length', 'u32', 'in bytes'],
  ] as const,
);

/** A request's rate count for one rule. */
export const RATE_ENTRY = record('RateEntry', "A request's rate count for one rule.", [
  ['rule', 'u32', 'rule index'],
  ['count', 'f64', 'requests allowed within the window'],
] as const);

/** A request's ledger for one rule. */
export const LEDGER_ENTRY = record('LedgerEntry', "A request's ledger for one rule: spent plus reserved.", [
  ['rule', 'u32', 'rule index'],
  ['usdMicros', 'f64', 'micro-dollars'],
  ['tokens', 'f64', ''],
] as const);

/** In the output: a rule whose condition failed to evaluate. */
export const RULE_ERROR = record(
  'RuleErrorOut',
  'In the output: a rule whose condition failed to evaluate.',
  [
    ['rule', 'u32', 'rule index'],
    ['kind', 'u32', '`ERR_*`'],
    ['detail', 'u32', "the missing path's symbol, or the ill-typed opcode"],
  ] as const,
  true,
);

/** In the output: a span of a param string that a redacting detector matched. */
export const REDACTION = record(
  'RedactionOut',
  'In the output: a span of a param string that a redacting detector matched.',
  [
    ['string', 'u32', "the string's ordinal among the params' strings, in encoding order"],
    ['start', 'u32', 'UTF-8 byte offset'],
    ['end', 'u32', 'UTF-8 byte offset'],
    ['detector', 'u32', '`DETECTORS` index'],
  ] as const,
  true,
);

/** Every record, in the order `assembly/abi.ts` declares them. */
export const RECORDS: readonly RecordLayout[] = [
  BUNDLE_HEADER,
  SPAN,
  SETTINGS,
  GLOB,
  ACTION,
  RESOURCE,
  PARAM,
  RULE,
  RULE_LIST,
  WILD_RULES,
  REGEX_PROGRAM,
  REGEX_INSTRUCTION,
  CLASS_RANGE,
  NUMBER_VALUE,
  STRING_VALUE,
  ENCODED_STRING,
  CONTAINER_VALUE,
  STRING_REF,
  RATE_ENTRY,
  LEDGER_ENTRY,
  RULE_ERROR,
  REDACTION,
];

/** Writes one record, its fields in layout order. */
export function writeRecord<Name extends string>(
  w: ByteWriter,
  layout: RecordLayout<Name>,
  values: { readonly [K in Name]: number },
): void {
  for (const name in layout.fields) {
    const { type } = layout.fields[name];
    const value = values[name];
    if (type === 'u8') w.u8(value);
    else if (type === 'u32') w.u32(value);
    else if (type === 'i32') w.i32(value);
    else if (type === 'f64') w.f64(value);
    else w.bytes(new Uint8Array(32));
  }
}

/** Reads one numeric field of the record at `at`. */
export function readField(v: DataView, at: number, field: Field): number {
  const p = at + field.offset;
  switch (field.type) {
    case 'u8':
      return v.getUint8(p);
    case 'u32':
      return v.getUint32(p, true);
    case 'i32':
      return v.getInt32(p, true);
    case 'f64':
      return v.getFloat64(p, true);
    default:
      throw new TypeError(`field at ${field.offset} is not a number`);
  }
}
