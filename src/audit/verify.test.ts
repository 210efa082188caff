import { exportJWK, generateKeyPair, type JSONWebKeySet } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../lib/json.js';
import { GENESIS_HASH } from './chain.js';
import { chainFixture, type ChainFixture } from './chain-fixture.js';
import { signCheckpoint } from './checkpoint.js';
import { segmentRecords, verifyIndex, type IndexRow } from './index-check.js';
import { verifyChain } from './verify.js';

const RECORDS = 100_000;
const PER_SEGMENT = 1_000;
let segments: string[];
let jwks: JSONWebKeySet;
let head: { seq: number; hash: string };
let lines: ChainFixture['lines'];
let withSegment: ChainFixture['withSegment'];

beforeAll(async () => {
  ({ segments, jwks, head, lines, withSegment } = await chainFixture(RECORDS / PER_SEGMENT, PER_SEGMENT));
}, 120_000);

describe('verifyChain over 100,000 records', () => {
  it('verifies an intact chain', async () => {
    expect(await verifyChain(segments, jwks, { expectedHead: head })).toEqual({
      ok: true,
      records: RECORDS,
      segments: 100,
      head,
    });
  });

  it('a flipped byte in a record names its seq', async () => {
    const l = lines(42);
    l[500] = l[500].replace('"db.query"', '"db.qu3ry"'); // seq 42,500
    expect(await verifyChain(withSegment(42, l), jwks)).toMatchObject({
      ok: false,
      seq: 42_500,
      reason: expect.stringMatching(/altered/),
    });
  });

  it('a deleted record', async () => {
    const l = lines(10);
    l.splice(100, 1); // seq 10,100
    expect(await verifyChain(withSegment(10, l), jwks)).toMatchObject({ ok: false, seq: 10_100 });
  });

  it('reordered records', async () => {
    const l = lines(10);
    [l[100], l[101]] = [l[101], l[100]];
    expect(await verifyChain(withSegment(10, l), jwks)).toMatchObject({ ok: false, seq: 10_100 });
  });

  it('a duplicated record', async () => {
    const l = lines(70);
    l.splice(11, 0, l[10]); // seq 70,010 twice
    expect(await verifyChain(withSegment(70, l), jwks)).toMatchObject({
      ok: false,
      seq: 70_011,
      reason: expect.stringMatching(/repeated/),
    });
  });

  it('a deleted segment', async () => {
    expect(
      await verifyChain(
        segments.filter((_, i) => i !== 55),
        jwks,
      ),
    ).toMatchObject({ ok: false, seq: 55_001, reason: expect.stringMatching(/missing/) });
  });

  it('a truncated tail, inside the last segment or a whole last segment', async () => {
    const l = lines(99);
    expect(await verifyChain(withSegment(99, l.slice(0, 901)), jwks)).toMatchObject({
      ok: false,
      seq: 99_901,
      reason: expect.stringMatching(/truncated/),
    });
    expect(await verifyChain(segments.slice(0, 99), jwks, { expectedHead: head })).toMatchObject({
      ok: false,
      seq: 99_001,
      reason: expect.stringMatching(/truncated/),
    });
  });

  it('a forged checkpoint', async () => {
    const other = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    const l = lines(30);
    const header = JSON.parse(l[0]);
    header.checkpoint = await signCheckpoint(
      { ...header, checkpoint: undefined },
      { ...(await exportJWK(other.privateKey)), kid: 'audit-1' },
    );
    l[0] = JSON.stringify(header);
    expect(await verifyChain(withSegment(30, l), jwks)).toMatchObject({
      ok: false,
      seq: 30_001,
      reason: expect.stringMatching(/forged/),
    });
  });

  it('a replayed checkpoint', async () => {
    const l = lines(31);
    const header = JSON.parse(l[0]);
    header.checkpoint = JSON.parse(lines(30)[0]).checkpoint;
    l[0] = JSON.stringify(header);
    expect(await verifyChain(withSegment(31, l), jwks)).toMatchObject({
      ok: false,
      seq: 31_001,
      reason: expect.stringMatching(/replayed/),
    });
  });

  it('a record line that is two records, or half of one, is unreadable at its seq (segments are read at once only when every line is one record)', async () => {
    const l = lines(20);
    const entry = JSON.parse(l[5]);
    l[5] = `{"hash":"${entry.hash}","record":${JSON.stringify(entry.record)},${JSON.stringify(entry.record)}}`;
    expect(await verifyChain(withSegment(20, l), jwks)).toMatchObject({
      ok: false,
      seq: 20_005,
      reason: 'a record is unreadable',
    });
    const m = lines(21);
    m[3] = m[3].slice(0, -20) + '}';
    expect(await verifyChain(withSegment(21, m), jwks)).toMatchObject({ ok: false, seq: 21_003 });
  });

  it('a record written with its keys in another order still verifies: only its content is hashed', async () => {
    const l = lines(5);
    const entry = JSON.parse(l[7]);
    const reordered = Object.fromEntries(Object.entries(entry.record).reverse());
    l[7] = JSON.stringify({ hash: entry.hash, record: reordered });
    expect(l[7]).not.toBe(lines(5)[7]);
    expect(await verifyChain(withSegment(5, l), jwks)).toMatchObject({ ok: true });
  });
});

describe('verifyIndex: the D1 rows of the same 100,000 records', () => {
  let records: ReturnType<typeof segmentRecords>;
  let rows: IndexRow[];
  beforeAll(() => {
    records = segmentRecords(segments);
    // What the flush writes to D1: the hash and the canonical record, by seq.
    rows = records.map(({ hash, record }) => ({ seq: record.seq, hash, record: canonicalJson(record) }));
  });

  it('matches the segments', () => {
    expect(verifyIndex(records, rows)).toEqual({ ok: true, rows: RECORDS });
  });

  it('an altered row names its seq, whether its record or its hash was changed', () => {
    const altered = rows.slice();
    altered[61_233] = { ...rows[61_233], record: rows[61_233].record.replace('"db.query"', '"db.drop"') };
    expect(verifyIndex(records, altered)).toMatchObject({
      ok: false,
      seq: 61_234,
      reason: expect.stringMatching(/altered/),
    });
    const rehashed = rows.slice();
    rehashed[7] = { ...rows[7], hash: rows[8].hash };
    expect(verifyIndex(records, rehashed)).toMatchObject({
      ok: false,
      seq: 8,
      reason: expect.stringMatching(/altered/),
    });
  });

  it('a deleted row, and a row no segment holds', () => {
    expect(
      verifyIndex(
        records,
        rows.filter((_, i) => i !== 99_000),
      ),
    ).toMatchObject({ ok: false, seq: 99_001, reason: expect.stringMatching(/no row/) });
    const extra = [...rows, { seq: RECORDS + 1, hash: GENESIS_HASH, record: '{}' }];
    expect(verifyIndex(records, extra)).toMatchObject({
      ok: false,
      seq: RECORDS + 1,
      reason: expect.stringMatching(/no segment/),
    });
  });
});
