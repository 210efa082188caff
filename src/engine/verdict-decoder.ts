/**
 * @module
 * Reads the evaluator's output area back into a structured `Verdict`, naming rules'
 * errors, params and DLP hits exactly as the reference evaluator does.
 */
import { CODE_LIST, OP_TEXT, Out, STATUS_TEXT } from '../policy/bundle/format.js';
import { REDACTION, RULE_ERROR } from '../policy/bundle/layout.js';
import type { DlpView } from '../policy/dlp-views.js';
import type { BundleInfo } from '../policy/bundle/decode.js';
import {
  EVAL_ERROR_KINDS,
  failedVerdict,
  PARAMS_VIOLATIONS,
  type DecisionCode,
  type EvalRequest,
  type ShadowVerdict,
  type Verdict,
  type Redaction,
  type RuleError,
} from '../policy/verdict.js';
import { DETECTORS, type Effect } from '../policy/model.js';
import { paramStrings, utf16Offset } from '../policy/params-walk.js';

const EFFECTS: Effect[] = ['allow', 'deny', 'require_approval'];
const UNKNOWN_KEY = 0x80000000;
// Word indices into the output area (every field is a u32 at a 4-byte offset).
const DECISION = Out.Decision >> 2;
const CODE = Out.Code >> 2;
const SHADOW = Out.Shadow >> 2;
const SHADOW_DECISION = Out.ShadowDecision >> 2;
const SHADOW_CODE = Out.ShadowCode >> 2;
const SHADOW_RULE_COUNT = Out.ShadowRuleCount >> 2;
const SHADOW_RULES_OFF = Out.ShadowRulesOff >> 2;
const RULE_COUNT = Out.RuleCount >> 2;
const RULES_OFF = Out.RulesOff >> 2;
const ERROR_COUNT = Out.ErrorCount >> 2;
const ERRORS_OFF = Out.ErrorsOff >> 2;
const REDACTION_COUNT = Out.RedactionCount >> 2;
const REDACTIONS_OFF = Out.RedactionsOff >> 2;
const DETAIL_A = Out.DetailA >> 2;
const DETAIL_B = Out.DetailB >> 2;
const HELD_COUNT = Out.HeldCount >> 2;
const HELD_OFF = Out.HeldOff >> 2;
// The output's records (`layout.ts`), also in words.
const ERROR_WORDS = RULE_ERROR.bytes >> 2;
const ERROR_RULE = RULE_ERROR.fields.rule.offset >> 2;
const ERROR_KIND = RULE_ERROR.fields.kind.offset >> 2;
const ERROR_DETAIL = RULE_ERROR.fields.detail.offset >> 2;
const REDACTION_WORDS = REDACTION.bytes >> 2;
const REDACTION_STRING = REDACTION.fields.string.offset >> 2;
const REDACTION_START = REDACTION.fields.start.offset >> 2;
const REDACTION_END = REDACTION.fields.end.offset >> 2;
const REDACTION_DETECTOR = REDACTION.fields.detector.offset >> 2;

/** A verdict for when the evaluator could not decide: always deny. */
export function evaluatorFailure(message: string): Verdict {
  return failedVerdict('evaluator_error', message);
}

/** What the shadow rules would have decided; under whole-bundle shadow, the rules behind the real verdict are they. */
function shadowVerdict(out: Uint32Array, code: DecisionCode, rules: number[]): ShadowVerdict {
  const decided = { decision: EFFECTS[out[SHADOW_DECISION]], code: CODE_LIST[out[SHADOW_CODE]] };
  if (code === 'shadow') return { ...decided, rules: [...rules] };
  const shadowRules: number[] = new Array(out[SHADOW_RULE_COUNT]);
  for (let i = 0, at = out[SHADOW_RULES_OFF] >> 2; i < shadowRules.length; i++) shadowRules[i] = out[at + i];
  return { ...decided, rules: shadowRules };
}

/** Decodes the output area (`out`, a u32 view over it) for `request`. */
export function decodeVerdict(
  status: number,
  out: Uint32Array,
  info: Pick<BundleInfo, 'symbols' | 'dlpCustom'>,
  request: EvalRequest,
  views: readonly DlpView[],
): Verdict {
  const { symbols } = info;
  if (status !== 0) return evaluatorFailure(`evaluator status ${status}: ${STATUS_TEXT[status] ?? 'unknown'}`);
  const decision = EFFECTS[out[DECISION]];
  const code = CODE_LIST[out[CODE]];
  if (decision === undefined || code === undefined) return evaluatorFailure('evaluator wrote an unknown decision');

  const ruleCount = out[RULE_COUNT];
  const rulesAt = out[RULES_OFF] >> 2;
  const rules: number[] = new Array(ruleCount);
  for (let i = 0; i < ruleCount; i++) rules[i] = out[rulesAt + i];
  const held: number[] = new Array(out[HELD_COUNT]);
  for (let i = 0, at = out[HELD_OFF] >> 2; i < held.length; i++) held[i] = out[at + i];

  const errors: RuleError[] = [];
  const errorsAt = out[ERRORS_OFF] >> 2;
  for (let i = 0, n = out[ERROR_COUNT]; i < n; i++) {
    const at = errorsAt + i * ERROR_WORDS;
    const kind = EVAL_ERROR_KINDS[out[at + ERROR_KIND]];
    const detail = out[at + ERROR_DETAIL];
    errors.push({
      rule: out[at + ERROR_RULE],
      kind,
      detail: kind === 'missing_attribute' ? symbols[detail] : OP_TEXT[detail],
    });
  }

  const shadow = out[SHADOW] === 1 ? shadowVerdict(out, code, rules) : null;
  const realCode = shadow?.code ?? code;
  const redactionCount = out[REDACTION_COUNT];
  if (redactionCount === 0 && realCode !== 'dlp' && realCode !== 'params') {
    return { decision, code, rules, held, detail: null, errors, redactions: [], shadow };
  }

  const strings = redactionCount > 0 ? paramStrings(request.params ?? {}) : [];
  const redactions: Redaction[] = [];
  const redactionsAt = out[REDACTIONS_OFF] >> 2;
  for (let i = 0; i < redactionCount; i++) {
    const at = redactionsAt + i * REDACTION_WORDS;
    const s = strings[out[at + REDACTION_STRING]];
    redactions.push({
      path: s.path,
      start: utf16Offset(s.text, out[at + REDACTION_START]),
      end: utf16Offset(s.text, out[at + REDACTION_END]),
      detector: DETECTORS[out[at + REDACTION_DETECTOR]],
    });
  }
  let detail: Verdict['detail'] = null;
  if (realCode === 'params') {
    const param = out[DETAIL_B];
    const name = param & UNKNOWN_KEY ? Object.keys(request.params ?? {})[param & ~UNKNOWN_KEY] : symbols[param];
    detail = { kind: 'params', violation: PARAMS_VIOLATIONS[out[DETAIL_A]], param: name };
  } else if (realCode === 'dlp') {
    const view = views[out[DETAIL_B]];
    if (view === undefined) return evaluatorFailure('evaluator named a DLP view the host did not send');
    const detector = DETECTORS[out[DETAIL_A]] ?? info.dlpCustom[out[DETAIL_A] - DETECTORS.length];
    if (detector === undefined) return evaluatorFailure('evaluator named a DLP detector the bundle does not have');
    detail = { kind: 'dlp', detector, path: view.path };
  }
  return { decision, code, rules, held, detail, errors, redactions, shadow };
}
