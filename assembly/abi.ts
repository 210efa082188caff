/**
 * The binary contract with the TypeScript host; mirrors `src/policy/bundle/format.ts`
 * (a test compares the two files' numbers).
 */

export const ABI_VERSION_NUMBER: u32 = 2;
export const BUNDLE_MAGIC: u32 = 0x31424754;
export const REQUEST_MAGIC: u32 = 0x31515254;
export const HEADER_BYTES: u32 = 52;
export const SECTION_COUNT: u32 = 13;

export const SEC_SYMBOLS: u32 = 0;
export const SEC_SETTINGS: u32 = 1;
export const SEC_GLOBS: u32 = 2;
export const SEC_VALUES: u32 = 3;
export const SEC_ACTIONS: u32 = 4;
export const SEC_RESOURCES: u32 = 5;
export const SEC_PARAMS: u32 = 6;
export const SEC_RULES: u32 = 7;
export const SEC_INDEX: u32 = 8;
export const SEC_POOL: u32 = 9;
export const SEC_CODE: u32 = 10;
export const SEC_REGEXES: u32 = 12;

export const FLAG_SHADOW: u32 = 1;
export const FLAG_CLOSED_REGISTRY: u32 = 2;
export const FLAG_RISK: u32 = 4;

export const SETTINGS_BYTES: u32 = 60;
export const BUDGET_USD: u32 = 1;
export const BUDGET_USD_MONTH: u32 = 2;
export const BUDGET_TOKENS: u32 = 4;
export const BUDGET_TOKENS_MONTH: u32 = 8;

export const TAG_NULL: u32 = 0;
export const TAG_FALSE: u32 = 1;
export const TAG_TRUE: u32 = 2;
export const TAG_NUMBER: u32 = 3;
export const TAG_STRING: u32 = 4;
export const TAG_LIST: u32 = 5;
export const TAG_OBJECT: u32 = 6;
/** VM-only tag for a boolean result. */
export const TAG_BOOL: u32 = 7;

export const GLOB_STAR: u8 = 1;
export const GLOB_DOUBLE_STAR: u8 = 2;

export const EFFECT_ALLOW: u32 = 0;
export const EFFECT_DENY: u32 = 1;
export const EFFECT_APPROVAL: u32 = 2;

export const RULE_BYTES: u32 = 80;
export const RULE_SHADOW: u32 = 1;
export const RULE_RATE: u32 = 2;
export const RULE_SPEND: u32 = 4;
export const RULE_TOKENS: u32 = 8;
export const RULE_ANY_RESOURCE: u32 = 16;
export const RULE_ANY_AGENT: u32 = 32;
export const RULE_ANY_ROLE: u32 = 64;

export const ACTION_BYTES: u32 = 20;
export const RESOURCE_BYTES: u32 = 8;
export const PARAM_BYTES: u32 = 48;
export const PARAM_REQUIRED: u32 = 1;
export const PARAM_INTEGER: u32 = 2;
export const PARAM_MIN: u32 = 4;
export const PARAM_MAX: u32 = 8;
export const PARAM_MAX_LENGTH: u32 = 16;
export const PARAM_ENUM: u32 = 32;
export const PARAM_PATTERN: u32 = 64;

export const ROOT_AGENT: u32 = 0;
export const ROOT_ACTION_ATTRS: u32 = 1;
export const ROOT_RESOURCE_ATTRS: u32 = 2;
export const ROOT_PARAMS: u32 = 3;
export const ROOT_CONTEXT: u32 = 4;
export const ROOT_DELEGATION: u32 = 5;
export const ROOT_NOW: u32 = 6;
export const ROOT_ACTION_NAME: u32 = 7;
export const ROOT_RESOURCE_NAME: u32 = 8;
/** ROOT_VAR + slot names a macro's bound variable. */
export const ROOT_VAR: u32 = 9;
export const MAX_MACRO_DEPTH: u32 = 4;

export const OP_END: u8 = 0x00;
export const OP_CONST: u8 = 0x01;
export const OP_PATH: u8 = 0x02;
export const OP_NOT: u8 = 0x03;
export const OP_NEGATE: u8 = 0x04;
export const OP_AS_BOOL: u8 = 0x05;
export const OP_EQ: u8 = 0x10;
export const OP_NE: u8 = 0x11;
export const OP_LT: u8 = 0x12;
export const OP_LE: u8 = 0x13;
export const OP_GT: u8 = 0x14;
export const OP_GE: u8 = 0x15;
export const OP_IN: u8 = 0x16;
export const OP_ADD: u8 = 0x20;
export const OP_SUB: u8 = 0x21;
export const OP_MUL: u8 = 0x22;
export const OP_DIV: u8 = 0x23;
export const OP_AND_JUMP: u8 = 0x30;
export const OP_OR_JUMP: u8 = 0x31;
export const OP_STARTS_WITH: u8 = 0x40;
export const OP_ENDS_WITH: u8 = 0x41;
export const OP_CONTAINS: u8 = 0x42;
export const OP_GLOB: u8 = 0x43;
export const OP_MATCHES: u8 = 0x44;
export const OP_LOWER_ASCII: u8 = 0x50;
export const OP_UPPER_ASCII: u8 = 0x51;
export const OP_TRIM: u8 = 0x52;
export const OP_SIZE: u8 = 0x53;
export const OP_EXISTS: u8 = 0x60;
export const OP_ALL: u8 = 0x61;

// Regex program instructions and assertion kinds.
export const RX_CLASS: u32 = 0;
export const RX_SPLIT: u32 = 1;
export const RX_JUMP: u32 = 2;
export const RX_ASSERT: u32 = 3;
export const RX_MATCH: u32 = 4;
export const RX_BEGIN_TEXT: u32 = 0;
export const RX_END_TEXT: u32 = 1;
export const RX_BEGIN_LINE: u32 = 2;
export const RX_END_LINE: u32 = 3;
export const RX_WORD_BOUNDARY: u32 = 4;
export const RX_NOT_WORD_BOUNDARY: u32 = 5;

// Request header offsets.
export const REQ_MAGIC: u32 = 0;
export const REQ_ACTION_SYM: u32 = 4;
export const REQ_ACTION_OFF: u32 = 8;
export const REQ_ACTION_LEN: u32 = 12;
export const REQ_RESOURCE_SYM: u32 = 16;
export const REQ_RESOURCE_OFF: u32 = 20;
export const REQ_RESOURCE_LEN: u32 = 24;
export const REQ_AGENT_SYM: u32 = 28;
export const REQ_AGENT_OFF: u32 = 32;
export const REQ_AGENT_LEN: u32 = 36;
export const REQ_DLP_VIEWS: u32 = 40;
export const REQ_LEDGERS_OFF: u32 = 44;
export const REQ_TRUST: u32 = 48;
export const REQ_RISK: u32 = 56;
export const REQ_COST_USD: u32 = 64;
export const REQ_COST_TOKENS: u32 = 72;
export const REQ_SPEND_DAY_USD: u32 = 80;
export const REQ_SPEND_DAY_TOKENS: u32 = 88;
export const REQ_SPEND_MONTH_USD: u32 = 96;
export const REQ_SPEND_MONTH_TOKENS: u32 = 104;
export const REQ_FLAGS: u32 = 112;
export const REQ_RATES_COUNT: u32 = 116;
export const REQ_RATES_OFF: u32 = 120;
export const REQ_AGENT_OBJ: u32 = 124;
export const REQ_PARAMS_OBJ: u32 = 128;
export const REQ_CONTEXT_OBJ: u32 = 132;
export const REQ_DELEGATION_OBJ: u32 = 136;
export const REQ_NOW_OBJ: u32 = 140;
export const REQ_LENGTH: u32 = 144;
export const REQ_HEADER_BYTES: u32 = 148;
export const REQ_SUSPENDED: u32 = 1;

// Output offsets.
export const OUT_STATUS: u32 = 0;
export const OUT_DECISION: u32 = 4;
export const OUT_CODE: u32 = 8;
export const OUT_SHADOW: u32 = 12;
export const OUT_SHADOW_DECISION: u32 = 16;
export const OUT_SHADOW_CODE: u32 = 20;
export const OUT_RULE_COUNT: u32 = 24;
export const OUT_RULES_OFF: u32 = 28;
export const OUT_ERROR_COUNT: u32 = 32;
export const OUT_ERRORS_OFF: u32 = 36;
export const OUT_REDACTION_COUNT: u32 = 40;
export const OUT_REDACTIONS_OFF: u32 = 44;
export const OUT_DETAIL_A: u32 = 48;
export const OUT_DETAIL_B: u32 = 52;
export const OUT_HELD_COUNT: u32 = 56;
export const OUT_HELD_OFF: u32 = 60;
export const OUT_HEADER_BYTES: u32 = 64;

// Status codes.
export const STATUS_OK: u32 = 0;
export const STATUS_NO_BUNDLE: u32 = 1;
export const STATUS_BAD_BUNDLE: u32 = 2;
export const STATUS_BAD_REQUEST: u32 = 3;
export const STATUS_STACK_OVERFLOW: u32 = 4;
export const STATUS_BAD_CODE: u32 = 5;
export const STATUS_TOO_MANY_REDACTIONS: u32 = 6;
export const STATUS_REQUEST_TOO_LARGE: u32 = 7;

// Decision codes (index into CODE_LIST).
export const CODE_RULE: u32 = 0;
export const CODE_NO_MATCH: u32 = 1;
export const CODE_SUSPENDED: u32 = 2;
export const CODE_UNREGISTERED: u32 = 3;
export const CODE_PARAMS: u32 = 4;
export const CODE_DLP: u32 = 5;
export const CODE_RATE_LIMITED: u32 = 6;
export const CODE_BUDGET: u32 = 7;
export const CODE_RISK: u32 = 8;
export const CODE_SHADOW: u32 = 9;

// Rule error kinds (index into EVAL_ERROR_KINDS).
export const ERR_MISSING: u32 = 0;
export const ERR_TYPE: u32 = 1;
export const ERR_DIV_ZERO: u32 = 2;

// Params violations (index into PARAMS_VIOLATIONS).
export const PV_REQUIRED: u32 = 0;
export const PV_TYPE: u32 = 1;
export const PV_INTEGER: u32 = 2;
export const PV_MIN: u32 = 3;
export const PV_MAX: u32 = 4;
export const PV_MAX_LENGTH: u32 = 5;
export const PV_ENUM: u32 = 6;
export const PV_PATTERN: u32 = 7;
export const PV_UNKNOWN: u32 = 8;

export const MAX_REDACTIONS: u32 = 4096;
export const INPUT_CAPACITY: u32 = 1 << 20;
export const MAX_VALUE_DEPTH: u32 = 64;
export const MAX_GLOB_TOKENS: u32 = 1024;
export const DETECTOR_COUNT: u32 = 10;
