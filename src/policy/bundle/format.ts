/**
 * @module
 * The binary bundle and request formats: the contract between the TypeScript compiler
 * and host, and the AssemblyScript evaluator (`assembly/abi.ts` mirrors these numbers;
 * `test/abi-constants.test.ts` holds the two equal).
 *
 * Everything is little-endian. The bundle is a fixed header (with a SHA-256 digest of the
 * rest, so that any corruption is caught at load), then a table of sections (offset,
 * length) in the order of `Section`.
 */

export const BUNDLE_MAGIC = 0x31424754; // "TGB1"
export const ABI_VERSION = 2;
/** magic, abi, length, flags, section count, then a SHA-256 of the whole bundle taken with these 32 bytes zeroed. */
export const HEADER_BYTES = 52;
export const DIGEST_OFFSET = 20;

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

/** Settings: agent-wide budget flags at offset 32, the usd limit (micro-dollars) at 40, tokens at 48; custom DLP detectors at 56 (a count, then a regex id each). */
export const SETTINGS_BYTES = 60;
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

/** Glob tokens inside a glob's bytes; every other byte is a literal UTF-8 byte. */
export const GLOB_STAR = 1;
export const GLOB_DOUBLE_STAR = 2;

export const EFFECT_CODES = { allow: 0, deny: 1, require_approval: 2 } as const;

/** Rule record: 80 bytes. */
export const RULE_BYTES = 80;
export const RULE_SHADOW = 1;
export const RULE_RATE = 2;
export const RULE_SPEND = 4;
export const RULE_TOKENS = 8;
export const RULE_ANY_RESOURCE = 16;
export const RULE_ANY_AGENT = 32;
export const RULE_ANY_ROLE = 64;

/** Action entry: 20 bytes. Resource entry: 8 bytes. Param schema: 48 bytes. */
export const ACTION_BYTES = 20;
export const RESOURCE_BYTES = 8;
export const PARAM_BYTES = 48;
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
  0x00: 'condition', 0x03: '!', 0x04: '-', 0x10: '==', 0x11: '!=', 0x12: '<', 0x13: '<=', 0x14: '>', 0x15: '>=',
  0x16: 'in', 0x20: '+', 0x21: '-', 0x22: '*', 0x23: '/', 0x30: '&&', 0x31: '||',
  0x40: 'startsWith', 0x41: 'endsWith', 0x42: 'contains', 0x43: 'glob', 0x44: 'matches',
  0x50: 'lowerAscii', 0x51: 'upperAscii', 0x52: 'trim', 0x53: 'size', 0x60: 'exists', 0x61: 'all',
};

/**
 * Request header: fixed offsets into the input buffer. Strings are (sym, offset, length);
 * the host writes -1 for every sym and the evaluator interns them itself. The agent's
 * roles are read from the agent object.
 */
export enum Req {
  Magic = 0,
  ActionSym = 4, ActionOff = 8, ActionLen = 12,
  ResourceSym = 16, ResourceOff = 20, ResourceLen = 24,
  AgentSym = 28, AgentOff = 32, AgentLen = 36,
  /** Offset of the list of strings DLP deny detectors scan (`src/policy/dlp-views.ts`). */
  DlpViews = 40,
  /** Offset of the rule ledgers: a u32 count, then (rule index u32, usd micro-dollars f64, tokens f64) each. */
  LedgersOff = 44,
  Trust = 48, Risk = 56, CostUsd = 64, CostTokens = 72,
  SpendDayUsd = 80, SpendDayTokens = 88, SpendMonthUsd = 96, SpendMonthTokens = 104,
  Flags = 112,
  RatesCount = 116, RatesOff = 120,
  AgentObj = 124, ParamsObj = 128, ContextObj = 132, DelegationObj = 136, NowObj = 140,
  Length = 144,
  HeaderBytes = 148,
}
export const REQUEST_MAGIC = 0x31515254; // "TRQ1"
export const REQ_SUSPENDED = 1;

/** Output layout written by the evaluator. */
export enum Out {
  Status = 0, Decision = 4, Code = 8,
  Shadow = 12, ShadowDecision = 16, ShadowCode = 20,
  RuleCount = 24, RulesOff = 28,
  ErrorCount = 32, ErrorsOff = 36,
  RedactionCount = 40, RedactionsOff = 44,
  DetailA = 48, DetailB = 52,
  /** For a require_approval: the allow rules whose limits it passed, which an approval takes. */
  HeldCount = 56, HeldOff = 60,
  HeaderBytes = 64,
}

/** Evaluator status codes; anything but Ok makes the host deny. */
export const STATUS_TEXT: Record<number, string> = {
  0: 'ok',
  1: 'no bundle is loaded',
  2: 'the bundle is malformed',
  3: 'the request encoding is malformed',
  4: 'the expression stack overflowed',
  5: 'the bytecode is malformed',
  6: 'too many redactions',
  7: 'the request is larger than the input buffer',
};

/** Decision codes, as numbers across the ABI. Order matters: it is the wire format. */
export const CODE_LIST = [
  'rule', 'no_match', 'suspended', 'unregistered_action', 'params', 'dlp',
  'rate_limited', 'budget_exceeded', 'risk', 'shadow', 'invalid_request', 'evaluator_error',
] as const;

export const MAX_REDACTIONS = 4096;
export const INPUT_CAPACITY = 1 << 20;
