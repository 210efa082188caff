/**
 * @module
 * The binary bundle and request formats: the contract between the TypeScript compiler
 * and host, and the AssemblyScript evaluator. `assembly/abi.ts` is generated from this file
 * and `layout.ts` (the records) by `src/cli/abi-source.ts`; a test holds it current.
 *
 * Everything is little-endian. The bundle is a fixed header (with a SHA-256 digest of the
 * rest, so that any corruption is caught at load), then a table of sections (offset,
 * length) in the order of `Section`.
 */

import { ACTION, BUNDLE_HEADER, PARAM, RESOURCE, RULE, SETTINGS } from './layout.js';

export const BUNDLE_MAGIC = 0x31424754; // "TGB1"
/** The ABI's major version: a bundle and an evaluator work together only when theirs are equal. */
export const ABI_VERSION = 2;
/**
 * The ABI's minor version: what the host needs of the evaluator beyond the major version.
 * An evaluator whose minor version is lower is refused (`abi_mismatch`); a higher one is
 * fine. 1: the evaluator exports `ABI_MINOR` and the host sizes requests by `input_capacity()`.
 */
export const ABI_MINOR = 1;
/** magic, abi, length, flags, section count, then a SHA-256 of the whole bundle taken with these 32 bytes zeroed. */
export const HEADER_BYTES = BUNDLE_HEADER.bytes;
export const DIGEST_OFFSET = BUNDLE_HEADER.fields.digest.offset;

export enum Section {
  Symbols = 0,
  Settings = 1,
  Globs = 2,
  Values = 3,
  Actions = 4,
  Resources = 5,
  Params = 6,
  Rules = 7,
  Index = 8,
  Pool = 9,
  Code = 10,
  Manifest = 11,
  Regexes = 12,
}
export const SECTION_COUNT = 13;

/** Bundle header flags. */
export const FLAG_SHADOW = 1;
export const FLAG_CLOSED_REGISTRY = 2;
export const FLAG_RISK = 4;

/** Settings (`layout.ts`), then a regex id per custom DLP detector. */
export const SETTINGS_BYTES = SETTINGS.bytes;
export const BUDGET_USD = 1;
export const BUDGET_USD_MONTH = 2;
export const BUDGET_TOKENS = 4;
export const BUDGET_TOKENS_MONTH = 8;

/** Value tags, shared by constants and request values. */
export enum Tag {
  Null = 0,
  False = 1,
  True = 2,
  Number = 3,
  String = 4,
  List = 5,
  Object = 6,
}
/** The evaluator's stack tag for a boolean result; never in a bundle or a request. */
export const VM_TAG_BOOL = 7;

/** Glob tokens inside a glob's bytes; every other byte is a literal UTF-8 byte. */
export const GLOB_STAR = 1;
export const GLOB_DOUBLE_STAR = 2;

export const EFFECT_CODES = { allow: 0, deny: 1, require_approval: 2 } as const;

/** Rule record (`layout.ts`). */
export const RULE_BYTES = RULE.bytes;
export const RULE_SHADOW = 1;
export const RULE_RATE = 2;
export const RULE_SPEND = 4;
export const RULE_TOKENS = 8;
export const RULE_ANY_RESOURCE = 16;
export const RULE_ANY_AGENT = 32;
export const RULE_ANY_ROLE = 64;

/** Action entry, resource entry and param schema (`layout.ts`). */
export const ACTION_BYTES = ACTION.bytes;
export const RESOURCE_BYTES = RESOURCE.bytes;
export const PARAM_BYTES = PARAM.bytes;
export const PARAM_REQUIRED = 1;
export const PARAM_INTEGER = 2;
export const PARAM_MIN = 4;
export const PARAM_MAX = 8;
export const PARAM_MAX_LENGTH = 16;
export const PARAM_ENUM = 32;
export const PARAM_PATTERN = 64;
export const PARAM_TYPE_CODES = { string: 0, number: 1, boolean: 2, object: 3, array: 4 } as const;

/** Expression path roots. */
export enum Root {
  Agent = 0,
  ActionAttrs = 1,
  ResourceAttrs = 2,
  Params = 3,
  Context = 4,
  Delegation = 5,
  Now = 6,
  ActionName = 7,
  ResourceName = 8,
  /** A macro's bound variable: Var + its slot (0 to 3). */
  Var = 9,
}

/** Bytecode opcodes. A type error reports the opcode as its detail. */
export enum Op {
  End = 0x00,
  Const = 0x01,
  Path = 0x02,
  Not = 0x03,
  Negate = 0x04,
  AsBool = 0x05,
  Eq = 0x10,
  Ne = 0x11,
  Lt = 0x12,
  Le = 0x13,
  Gt = 0x14,
  Ge = 0x15,
  In = 0x16,
  Add = 0x20,
  Sub = 0x21,
  Mul = 0x22,
  Div = 0x23,
  AndJump = 0x30,
  OrJump = 0x31,
  StartsWith = 0x40,
  EndsWith = 0x41,
  Contains = 0x42,
  /** u32 glob index follows. */
  Glob = 0x43,
  /** u32 regex index follows. */
  Matches = 0x44,
  LowerAscii = 0x50,
  UpperAscii = 0x51,
  Trim = 0x52,
  Size = 0x53,
  /** u8 slot, u32 body length, then the body: code that ends with End and leaves a boolean. */
  Exists = 0x60,
  All = 0x61,
}

/** Regex program instructions (`src/policy/regex/program.ts`): each is three u32 words, op, a, b. */
export enum RegexOp {
  Class = 0,
  Split = 1,
  Jump = 2,
  Assert = 3,
  Match = 4,
}

/** What a type error's opcode detail reads as, in both engines' outcomes. */
export const OP_TEXT: Record<number, string> = {
  0x00: 'condition',
  0x03: '!',
  0x04: '-',
  0x10: '==',
  0x11: '!=',
  0x12: '<',
  0x13: '<=',
  0x14: '>',
  0x15: '>=',
  0x16: 'in',
  0x20: '+',
  0x21: '-',
  0x22: '*',
  0x23: '/',
  0x30: '&&',
  0x31: '||',
  0x40: 'startsWith',
  0x41: 'endsWith',
  0x42: 'contains',
  0x43: 'glob',
  0x44: 'matches',
  0x50: 'lowerAscii',
  0x51: 'upperAscii',
  0x52: 'trim',
  0x53: 'size',
  0x60: 'exists',
  0x61: 'all',
};

/**
 * Request header: fixed offsets into the input buffer. Strings are (sym, offset, length);
 * the host writes -1 for every sym and the evaluator interns them itself. The agent's
 * roles are read from the agent object.
 */
export enum Req {
  Magic = 0,
  ActionSym = 4,
  ActionOff = 8,
  ActionLen = 12,
  ResourceSym = 16,
  ResourceOff = 20,
  ResourceLen = 24,
  AgentSym = 28,
  AgentOff = 32,
  AgentLen = 36,
  /** Offset of the list of strings DLP deny detectors scan (`src/policy/dlp-views.ts`). */
  DlpViews = 40,
  /** Offset of the rule ledgers: a u32 count, then (rule index u32, usd micro-dollars f64, tokens f64) each. */
  LedgersOff = 44,
  Trust = 48,
  Risk = 56,
  CostUsd = 64,
  CostTokens = 72,
  SpendDayUsd = 80,
  SpendDayTokens = 88,
  SpendMonthUsd = 96,
  SpendMonthTokens = 104,
  Flags = 112,
  RatesCount = 116,
  RatesOff = 120,
  AgentObj = 124,
  ParamsObj = 128,
  ContextObj = 132,
  DelegationObj = 136,
  NowObj = 140,
  Length = 144,
  HeaderBytes = 148,
}
export const REQUEST_MAGIC = 0x31515254; // "TRQ1"
export const REQ_SUSPENDED = 1;

/** Output layout written by the evaluator. */
export enum Out {
  Status = 0,
  Decision = 4,
  Code = 8,
  Shadow = 12,
  ShadowDecision = 16,
  ShadowCode = 20,
  RuleCount = 24,
  RulesOff = 28,
  ErrorCount = 32,
  ErrorsOff = 36,
  RedactionCount = 40,
  RedactionsOff = 44,
  DetailA = 48,
  DetailB = 52,
  /** For a require_approval: the allow rules whose limits it passed, which an approval takes. */
  HeldCount = 56,
  HeldOff = 60,
  /** For a per-rule shadow verdict: the shadow rules behind what would have been decided. */
  ShadowRuleCount = 64,
  ShadowRulesOff = 68,
  HeaderBytes = 72,
}

/** Evaluator status codes; anything but Ok makes the host deny. */
export enum Status {
  Ok = 0,
  NoBundle = 1,
  BadBundle = 2,
  BadRequest = 3,
  StackOverflow = 4,
  BadCode = 5,
  TooManyRedactions = 6,
  RequestTooLarge = 7,
}
export const STATUS_TEXT: Record<number, string> = {
  [Status.Ok]: 'ok',
  [Status.NoBundle]: 'no bundle is loaded',
  [Status.BadBundle]: 'the bundle is malformed',
  [Status.BadRequest]: 'the request encoding is malformed',
  [Status.StackOverflow]: 'the expression stack overflowed',
  [Status.BadCode]: 'the bytecode is malformed',
  [Status.TooManyRedactions]: 'too many redactions',
  [Status.RequestTooLarge]: 'the request is larger than the input buffer',
};

/** Decision codes, as numbers across the ABI. Order matters: it is the wire format. */
export const CODE_LIST = [
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
  'invalid_request',
  'evaluator_error',
] as const;

export const MAX_REDACTIONS = 4096;
/** The evaluator's input buffer; the host asks the module (`input_capacity()`) rather than assume it. */
export const INPUT_CAPACITY = 1 << 20;
/** How deep the evaluator follows nested request and constant values. */
export const MAX_ENCODED_VALUE_DEPTH = 64;
/** How many tokens a glob may have for the evaluator to match it. */
export const MAX_GLOB_TOKENS = 1024;
