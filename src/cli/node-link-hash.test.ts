import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { chainHashOfText } from '../audit/chain.js';
import { chainFixture, type ChainFixture } from '../audit/chain-fixture.js';
import { verifyChain } from '../audit/verify.js';
import { nodeLinkHash } from './node-link-hash.js';

let chain: ChainFixture;

beforeAll(async () => {
  chain = await chainFixture(13, 1_000);
}, 60_000);

describe("Node's link hash", () => {
  it("Node's native link hash equals the portable one on any text, Unicode included", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9a-f]{64}$/), fc.string({ unit: 'binary' }), (prev, text) => {
        expect(nodeLinkHash(prev, text)).toBe(chainHashOfText(prev, text));
      }),
      { numRuns: 500 },
    );
  });

  it("verifies with Node's link hash to the same verdicts", async () => {
    expect(
      await verifyChain(chain.segments, chain.jwks, { expectedHead: chain.head, linkHash: nodeLinkHash }),
    ).toMatchObject({ ok: true, records: 13_000 });
    const l = chain.lines(12);
    l[3] = l[3].replace('"db.query"', '"db.qu3ry"');
    expect(await verifyChain(chain.withSegment(12, l), chain.jwks, { linkHash: nodeLinkHash })).toMatchObject({
      ok: false,
      seq: 12_003,
      reason: expect.stringMatching(/altered/),
    });
  });
});
