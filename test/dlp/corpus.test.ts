import { describe, expect, it } from 'vitest';
import { enginePair } from '../helpers/engines.js';
import { corpus, CORPUS_POLICY, corpusRates, sampleRequest } from './corpus.js';

describe('the DLP corpus', () => {
  it('holds at least 150 positives across every deny detector, and 150 negatives', () => {
    expect(corpus.positives.length).toBeGreaterThanOrEqual(150);
    expect(corpus.negatives.length).toBeGreaterThanOrEqual(150);
    expect(new Set(corpus.positives.map((p) => p.detector))).toEqual(
      new Set([
        'aws_key',
        'openai_key',
        'anthropic_key',
        'github_token',
        'private_key',
        'jwt',
        'db_url',
        'ssn',
        'credit_card',
      ]),
    );
  });

  it('both evaluators agree on every sample', async () => {
    const { wasm, reference } = await enginePair(CORPUS_POLICY);
    for (const sample of [...corpus.positives, ...corpus.negatives]) {
      const request = sampleRequest(sample);
      expect(wasm.evaluate(request), JSON.stringify(sample)).toEqual(reference(request));
    }
  });

  it('detects at least 95% of the positives with no false positive', async () => {
    const { wasm } = await enginePair(CORPUS_POLICY);
    const rates = corpusRates((r) => wasm.evaluate(r));
    expect(rates.flagged).toEqual([]);
    expect(
      rates.detected / rates.positives,
      `missed: ${JSON.stringify(rates.missed.map((m) => `${m.detector}/${m.evasion}`))}`,
    ).toBeGreaterThanOrEqual(0.95);
  });
});
