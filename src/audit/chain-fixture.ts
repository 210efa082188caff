/**
 * @module
 * A signed audit chain of decision records in segments, for the verification tests (not
 * part of the package: `*-fixture.ts` files are test support).
 */
import { exportJWK, generateKeyPair, type JSONWebKeySet } from 'jose';
import { ChainWriter, GENESIS_HASH } from './chain.js';
import { writeSegment } from './segment.js';

export interface ChainFixture {
  segments: string[];
  jwks: JSONWebKeySet;
  head: { seq: number; hash: string };
  /** Segment s's lines (header first). */
  lines(s: number): string[];
  /** All segments, with segment s replaced by `newLines`. */
  withSegment(s: number, newLines: string[]): string[];
}

/** `segmentCount` segments of `perSegment` records each, signed with a fresh Ed25519 key `audit-1`. */
export async function chainFixture(segmentCount: number, perSegment: number): Promise<ChainFixture> {
  const pair = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const key = { ...(await exportJWK(pair.privateKey)), kid: 'audit-1' };
  const jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'audit-1' }] };
  const writer = new ChainWriter();
  const segments: string[] = [];
  let prev = GENESIS_HASH;
  for (let s = 0; s < segmentCount; s++) {
    const batch = Array.from({ length: perSegment }, (_, i) =>
      writer.append({
        time: new Date(1_800_000_000_000 + s * perSegment + i).toISOString(),
        tenant: 'acme',
        agent: 'a1',
        kind: 'decision',
        action: 'db.query',
        resource: `db:prod/t${i % 7}`,
        decision: i % 3 ? 'allow' : 'deny',
        code: 'rule',
        rules: ['db-read'],
        policy_hash: 'sha256:00',
        params: { sql: `sha256:${i}` },
      }),
    );
    segments.push((await writeSegment('acme', 'a1', prev, batch, key)).text);
    prev = writer.headHash;
  }
  const lines = (s: number) => segments[s].trimEnd().split('\n');
  const withSegment = (s: number, newLines: string[]) =>
    segments.map((text, i) => (i === s ? `${newLines.join('\n')}\n` : text));
  return { segments, jwks, head: { seq: segmentCount * perSegment, hash: writer.headHash }, lines, withSegment };
}
