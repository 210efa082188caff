/**
 * The DLP corpus (`corpus.json`): secrets across detectors and evasions that must deny, and
 * realistic params that must not. `npm test` holds the rates to their targets and
 * `npm run bench` prints them.
 */
import { readFileSync } from 'node:fs';
import type { EvalRequest, Verdict } from '../../src/policy/verdict.js';
import type { JsonValue } from '../../src/lib/json.js';

export interface Sample {
  where: 'params' | 'key' | 'resource' | 'context' | 'number';
  value: string | number;
}
export interface Positive extends Sample {
  detector: string;
  evasion: string;
}
export interface Negative extends Sample {
  why: string;
}

export const corpus = JSON.parse(readFileSync(new URL('./corpus.json', import.meta.url), 'utf8')) as {
  positives: Positive[];
  negatives: Negative[];
};

/** Every built-in detector that denies; email only redacts, as in the demo policies. */
export const CORPUS_POLICY = {
  'p.yaml': `rules:
  - id: send
    effect: allow
dlp:
  - detect: [aws_key, openai_key, anthropic_key, github_token, private_key, jwt, db_url, ssn, credit_card]
    effect: deny
`,
};

/** The request that carries a sample where it says. */
export function sampleRequest(sample: Sample): EvalRequest {
  const request: EvalRequest = { agent: { id: 'corpus' }, action: 'tool.call', resource: 'tool:x' };
  const value = sample.value as JsonValue;
  if (sample.where === 'key') request.params = { [String(value)]: 'v' };
  else if (sample.where === 'resource') request.resource = String(value);
  else if (sample.where === 'context') request.context = { note: value };
  else request.params = { body: value };
  return request;
}

export interface CorpusRates {
  detected: number;
  positives: number;
  falsePositives: number;
  negatives: number;
  missed: Positive[];
  flagged: Negative[];
}

/** Runs the corpus through one evaluator. */
export function corpusRates(evaluate: (request: EvalRequest) => Verdict): CorpusRates {
  const missed = corpus.positives.filter((p) => evaluate(sampleRequest(p)).code !== 'dlp');
  const flagged = corpus.negatives.filter((n) => evaluate(sampleRequest(n)).decision !== 'allow');
  return {
    detected: corpus.positives.length - missed.length,
    positives: corpus.positives.length,
    falsePositives: flagged.length,
    negatives: corpus.negatives.length,
    missed,
    flagged,
  };
}
