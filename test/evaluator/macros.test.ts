import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { enginePair } from '../helpers/engines.js';
import { jsonValue } from '../differential/arbitraries.js';

const CONDITIONS = [
  'context.items.exists(i, i.price > 100)',
  'context.items.all(i, i.price <= 100)',
  'context.items.exists(i, i == "x")',
  'context.items.all(i, i.tags.exists(t, t == "secret"))',
  'context.items.exists(i, i.tags.all(t, t.size() > 1) && i.price >= 0)',
  'context.items.exists(i, context.items.exists(j, j.price > i.price))',
  'size(context.items) > 2 || context.items.all(i, i.n in [1, 2, 3])',
];

const item = fc.oneof(
  fc.record(
    {
      price: fc.oneof(fc.integer({ min: 0, max: 200 }), jsonValue),
      tags: fc.oneof(fc.array(fc.constantFrom('secret', 'a', 'ok', ''), { maxLength: 3 }), jsonValue),
    },
    { requiredKeys: [] },
  ),
  jsonValue,
);

describe('exists and all', () => {
  it('agree between the reference and the WASM evaluator, nested too, on lists of any shape', async () => {
    const rules = CONDITIONS.map(
      (when, i) =>
        `  - id: r${i}\n    effect: ${i % 2 ? 'deny' : 'allow'}\n    actions: ["a${i}"]\n    when: ${when}\n`,
    ).join('');
    const { wasm, reference } = await enginePair({ 'p.yaml': `rules:\n${rules}  - id: base\n    effect: allow\n` });
    fc.assert(
      fc.property(fc.nat(CONDITIONS.length - 1), fc.oneof(fc.array(item, { maxLength: 5 }), jsonValue), (i, items) => {
        const request = { agent: { id: 'a' }, action: `a${i}`, resource: 'r', context: { items } };
        expect(wasm.evaluate(request)).toEqual(reference(request));
      }),
      { numRuns: 3000 },
    );
  });

  it('a decisive element decides whatever the order; otherwise the first error stands (CEL)', async () => {
    const { reference, wasm } = await enginePair({
      'p.yaml':
        'rules:\n  - id: big\n    effect: deny\n    when: context.items.exists(i, i.price > 100)\n  - id: base\n    effect: allow\n',
    });
    const decide = (items: unknown[]) => {
      const request = { agent: { id: 'a' }, action: 'pay', resource: 'r', context: { items } } as never;
      expect(wasm.evaluate(request)).toEqual(reference(request));
      return reference(request);
    };
    // An element without a price first can't hide a big one behind it.
    expect(decide([{}, { price: 500 }])).toMatchObject({ decision: 'deny', rules: [1] });
    expect(decide([{ price: 500 }, {}])).toMatchObject({ decision: 'deny', rules: [1] });
    // No big price, and one missing: the missing attribute stands, so the deny rule does not match.
    expect(decide([{ price: 5 }, {}])).toMatchObject({
      decision: 'allow',
      errors: [{ rule: 1, kind: 'missing_attribute', detail: 'i.price' }],
    });
    // A type error fails closed: the deny rule matches.
    expect(decide([{ price: 5 }, { price: 'lots' }])).toMatchObject({
      decision: 'deny',
      errors: [{ rule: 1, kind: 'type_error', detail: '>' }],
    });
  });
});
