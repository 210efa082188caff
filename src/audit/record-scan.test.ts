import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, type JsonValue } from '../lib/json.js';
import { scanRecordIdentity } from './record-scan.js';

// Strings that stress the scanner: quotes, backslashes, brackets, colons and the three keys.
const tricky = fc.oneof(
  fc.string(),
  fc.constantFrom('seq', 'tenant', 'agent', '"', '\\', '\\"', '{', '}', '[', ']', ':', ',', '"seq":1', '€', '\u0000'),
);
const value: fc.Arbitrary<JsonValue> = fc.letrec<{ value: JsonValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    tricky,
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(tricky, tie('value'), { maxKeys: 4 }),
  ),
})).value;
const record = fc.record({
  seq: fc.nat(),
  tenant: tricky,
  agent: tricky,
  extra: fc.dictionary(tricky, value, { maxKeys: 8 }),
});

describe('scanRecordIdentity', () => {
  it('reads what JSON.parse reads from any canonical record, whatever its other fields hold', () => {
    fc.assert(
      fc.property(record, ({ seq, tenant, agent, extra }) => {
        const text = canonicalJson({ ...extra, seq, tenant, agent } as JsonValue);
        expect(scanRecordIdentity(text)).toEqual({ seq, tenant, agent });
      }),
      { numRuns: 2000 },
    );
  });

  it('never reads other fields than JSON.parse would, from any text that parses', () => {
    fc.assert(
      fc.property(record, fc.nat(), fc.string({ maxLength: 3 }), ({ seq, tenant, agent, extra }, at, insert) => {
        const canonical = canonicalJson({ ...extra, seq, tenant, agent } as JsonValue);
        const cut = at % canonical.length;
        const text = canonical.slice(0, cut) + insert + canonical.slice(cut + 1);
        const scanned = scanRecordIdentity(text);
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          return; // text JSON.parse refuses is for the chain hash to judge, not this
        }
        if (scanned === null) return;
        const fields = parsed as { seq: unknown; tenant: unknown; agent: unknown };
        expect(scanned).toEqual({ seq: fields.seq, tenant: fields.tenant, agent: fields.agent });
      }),
      { numRuns: 4000 },
    );
  });

  it('reads only the top level, and unescapes what is escaped', () => {
    expect(scanRecordIdentity('{"agent":"a\\"1","p":{"seq":9,"tenant":"x"},"seq":12,"tenant":"t\\\\"}')).toEqual({
      seq: 12,
      tenant: 't\\',
      agent: 'a"1',
    });
    expect(scanRecordIdentity('{"agent":"a","s\\u0065q":1,"tenant":"t"}')).toEqual({ seq: 1, tenant: 't', agent: 'a' });
  });

  it('refuses what is not one record with one of each field', () => {
    for (const text of [
      '{"agent":"a","seq":1,"tenant":"t"},{"agent":"a","seq":2,"tenant":"t"}', // two records
      '{"agent":"a","seq":1,"seq":2,"tenant":"t"}', // a repeated key
      '{"agent":"a","seq":1.5,"tenant":"t"}',
      '{"agent":"a","seq":-1,"tenant":"t"}',
      '{"agent":"a","seq":01,"tenant":"t"}',
      '{"agent":"a","seq":"1","tenant":"t"}',
      '{"agent":"a","p":{"seq":1},"tenant":"t"}', // seq only nested
      '{"agent":1,"seq":1,"tenant":"t"}',
      '{"agent":"a","seq":1,"tenant":"t}',
      '["agent","seq","tenant"]',
    ]) {
      expect(scanRecordIdentity(text), text).toBeNull();
    }
  });
});
