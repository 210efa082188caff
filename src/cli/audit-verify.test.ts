import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import { expect, it, vi } from 'vitest';
import { main } from './main.js';
import { ChainWriter, GENESIS_HASH } from '../audit/chain.js';
import { writeSegment } from '../audit/segment.js';

it('tollgate audit verify checks exported segments offline, and names the first bad seq', async () => {
  const pair = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const key = { ...(await exportJWK(pair.privateKey)), kid: 'k' };
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-audit-'));
  writeFileSync(join(dir, 'jwks.json'), JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k' }] }));
  const writer = new ChainWriter();
  let prev = GENESIS_HASH;
  const texts: string[] = [];
  for (let s = 0; s < 3; s++) {
    const batch = Array.from({ length: 50 }, () =>
      writer.append({
        time: '2026-11-23T00:00:00.000Z',
        tenant: 't',
        agent: 'a',
        kind: 'decision',
        decision: 'allow',
        note: 'café ☕',
      }),
    );
    const segment = await writeSegment('t', 'a', prev, batch, key);
    mkdirSync(join(dir, 'segments', segment.key, '..'), { recursive: true });
    writeFileSync(join(dir, 'segments', segment.key), segment.text);
    texts.push(segment.text);
    prev = writer.headHash;
  }
  const out: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')));
  expect(
    await main([
      'audit',
      'verify',
      join(dir, 'segments'),
      '--jwks',
      join(dir, 'jwks.json'),
      '--head',
      `150:${writer.headHash}`,
    ]),
  ).toBe(0);
  expect(out.at(-1)).toMatch(/^ok: 150 records in 3 segments, head seq 150 [0-9a-f]{64}/);
  // Alter record seq 77 (the 27th line after the header of the second segment).
  const lines = texts[1].trimEnd().split('\n');
  lines[27] = lines[27].replace('"allow"', '"deny"');
  const { segmentKey } = await import('../audit/segment.js');
  writeFileSync(
    join(dir, 'segments', segmentKey({ tenant: 't', agent: 'a', first_seq: 51, last_seq: 100 })),
    `${lines.join('\n')}\n`,
  );
  expect(await main(['audit', 'verify', join(dir, 'segments'), '--jwks', join(dir, 'jwks.json')])).toBe(1);
  expect(out.at(-1)).toBe('FAILED at seq 77: the record does not match its hash (altered)');
  vi.restoreAllMocks();
});

it('tollgate audit verify <url> reports STALE, naming the agent and the oldest seq, when records wait past the bound', async () => {
  const pair = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const key = { ...(await exportJWK(pair.privateKey)), kid: 'k' };
  const writer = new ChainWriter();
  const records = Array.from({ length: 20 }, () =>
    writer.append({
      time: '2026-11-23T00:00:00.000Z',
      tenant: 't',
      agent: 'slow-agent',
      kind: 'decision',
      decision: 'allow',
    }),
  );
  const segment = await writeSegment('t', 'slow-agent', GENESIS_HASH, records, key);
  let oldest = new Date(Date.now() - 11 * 60_000).toISOString();
  // A stand-in for the edge: the routes the CLI reads, on loopback.
  const server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url?.startsWith('/.well-known/jwks.json'))
      return void res.end(JSON.stringify({ keys: [{ ...publicJwk, kid: 'k' }] }));
    const pending = { count: 3, oldest: { seq: 21, time: oldest } };
    res.end(
      JSON.stringify({
        agent: 'slow-agent',
        flushed: { seq: 20, hash: writer.headHash },
        pending,
        segments: [{ key: segment.key, text: segment.text }],
        next_cursor: null,
      }),
    );
  });
  const publicJwk = await exportJWK(pair.publicKey);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const out: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')));
  try {
    expect(await main(['audit', 'verify', base, '--agent', 'slow-agent', '--token', 'op'])).toBe(1);
    expect(out.at(-1)).toMatch(
      /^STALE: agent slow-agent: 3 records have waited to be flushed for 11 minutes \(more than 10\), the oldest seq 21 since /,
    );
    oldest = new Date().toISOString(); // just written: not stale
    expect(await main(['audit', 'verify', base, '--agent', 'slow-agent', '--token', 'op'])).toBe(0);
    expect(out.at(-1)).toMatch(/^ok: 20 records in 1 segments/);
  } finally {
    vi.restoreAllMocks();
    server.close();
  }
});
