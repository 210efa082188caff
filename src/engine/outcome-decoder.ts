/**
 * @module
 * Reads the evaluator's output area back into a structured `Outcome`, naming rules'
 * errors, params and DLP hits exactly as the reference evaluator does.
 */
import { CODE_LIST, OP_TEXT, Out, STATUS_TEXT } from '../policy/bundle/format.js';
import { EVAL_ERROR_KINDS, PARAMS_VIOLATIONS, type EvalRequest, type Outcome, type Redaction, type RuleError } from '../policy/decision.js';
import { DETECTORS, type Effect } from '../policy/model.js';
import { paramStrings, utf16Offset } from '../policy/params-walk.js';

const EFFECTS: Effect[] = ['allow', 'deny', 'require_approval'];
const UNKNOWN_KEY = 0x80000000;

/** An outcome for when the evaluator could not decide: always deny. */
export function evaluatorFailure(message: string): Outcome {
  return { decision: 'deny', code: 'evaluator_error', rules: [], detail: { kind: 'evaluator_error', message }, errors: [], redactions: [], shadow: null };
}

export function decodeOutcome(status: number, view: DataView, symbols: readonly string[], request: EvalRequest): Outcome {
  if (status !== 0) return evaluatorFailure(`evaluator status ${status}: ${STATUS_TEXT[status] ?? 'unknown'}`);
  const u = (at: number) => view.getUint32(at, true);
  const decision = EFFECTS[u(Out.Decision)];
  const code = CODE_LIST[u(Out.Code)];
  if (!decision || !code) return evaluatorFailure('evaluator wrote an unknown decision');

  const rules: number[] = [];
  const rulesAt = u(Out.RulesOff);
  for (let i = 0, n = u(Out.RuleCount); i < n; i++) rules.push(u(rulesAt + i * 4));

  const errors: RuleError[] = [];
  const errorsAt = u(Out.ErrorsOff);
  for (let i = 0, n = u(Out.ErrorCount); i < n; i++) {
    const at = errorsAt + i * 12;
    const kind = EVAL_ERROR_KINDS[u(at + 4)];
    const detail = u(at + 8);
    errors.push({ rule: u(at), kind, detail: kind === 'missing_attribute' ? symbols[detail] : OP_TEXT[detail] });
  }

  const redactionCount = u(Out.RedactionCount);
  const needStrings = redactionCount > 0 || code === 'dlp' || (u(Out.Shadow) === 1 && CODE_LIST[u(Out.ShadowCode)] === 'dlp');
  const strings = needStrings ? paramStrings(request.params ?? {}) : [];
  const redactions: Redaction[] = [];
  const redactionsAt = u(Out.RedactionsOff);
  for (let i = 0; i < redactionCount; i++) {
    const at = redactionsAt + i * 16;
    const s = strings[u(at)];
    redactions.push({ path: s.path, start: utf16Offset(s.text, u(at + 4)), end: utf16Offset(s.text, u(at + 8)), detector: DETECTORS[u(at + 12)] });
  }

  const shadow = u(Out.Shadow) === 1 ? { decision: EFFECTS[u(Out.ShadowDecision)], code: CODE_LIST[u(Out.ShadowCode)] } : null;
  const realCode = shadow?.code ?? code;
  let detail: Outcome['detail'] = null;
  if (realCode === 'params') {
    const param = u(Out.DetailB);
    const name = param & UNKNOWN_KEY ? Object.keys(request.params ?? {})[param & ~UNKNOWN_KEY] : symbols[param];
    detail = { kind: 'params', violation: PARAMS_VIOLATIONS[u(Out.DetailA)], param: name };
  } else if (realCode === 'dlp') {
    detail = { kind: 'dlp', detector: DETECTORS[u(Out.DetailA)], path: strings[u(Out.DetailB)].path };
  }
  return { decision, code, rules, detail, errors, redactions, shadow };
}
