/**
 * The shared conformance suite: every case file runs through the reference evaluator and
 * the WASM evaluator. Each case must meet its expectation, and the two engines' outcomes
 * must be identical.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compareVerdict, parseCaseFile } from '../../src/policy/cases.js';
import { enginePair } from '../helpers/engines.js';

const dir = fileURLToPath(new URL('.', import.meta.url));
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();

describe.each(files)('%s', async (file) => {
  const parsed = parseCaseFile(file, readFileSync(`${dir}/${file}`, 'utf8'), { allowPolicies: true });
  const engines = await enginePair(parsed.policies!);

  it.each(parsed.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const reference = engines.reference(c.request);
    const wasm = engines.wasm.evaluate(c.request);
    expect(compareVerdict(reference, c.expect, engines.wasm.info), `reference at ${c.where}`).toEqual([]);
    expect(wasm, `wasm agrees with reference at ${c.where}`).toEqual(reference);
  });
});
