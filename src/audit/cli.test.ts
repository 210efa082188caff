import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import { expect, it, vi } from 'vitest';
import { main } from '../cli/main.js';
import { ChainWriter, GENESIS_HASH } from './chain.js';
import { writeSegment } from './segment.js';

it('tollgate audit verify checks exported segments offline, and names the first bad seq', async () => {
  const pair = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const key = { ...(await exportJWK(pair.privateKey)), kid: 'k' };
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-audit-'));
  writeFileSync(join(dir, 'jwks.json'), JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k' }] }));
  const writer = new ChainWriter();
  let prev = GENESIS_HASH;
  const texts: string[] = [];
  for (let s = 0; s < 3; s++) {
    const batch = Array.from({ length: 50 }, () => writer.append({ time: '2026-11-23T00:00:00.000Z', tenant: 't', agent: 'a', kind: 'decision', decision: 'allow', note: 'café ☕' }));
    const segment = await writeSegment('t', 'a', prev, batch, key);
    mkdirSync(join(dir, 'segments', segment.key, '..'), { recursive: true });
    writeFileSync(join(dir, 'segments', segment.key), segment.text);
    texts.push(segment.text);
    prev = writer.headHash;
  }
  const out: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')));
  expect(await main(['audit', 'verify', join(dir, 'segments'), '--jwks', join(dir, 'jwks.json'), '--head', `150:${writer.headHash}`])).toBe(0);
  expect(out.at(-1)).toMatch(/^ok: 150 records in 3 segments, head seq 150 [0-9a-f]{64}/);
  // Alter record seq 77 (the 27th line after the header of the second segment).
  const lines = texts[1].trimEnd().split('\n');
  lines[27] = lines[27].replace('"allow"', '"deny"');
  const { segmentKey } = await import('./segment.js');
  writeFileSync(join(dir, 'segments', segmentKey({ tenant: 't', agent: 'a', first_seq: 51, last_seq: 100 })), `${lines.join('\n')}\n`);
  expect(await main(['audit', 'verify', join(dir, 'segments'), '--jwks', join(dir, 'jwks.json')])).toBe(1);
  expect(out.at(-1)).toBe('FAILED at seq 77: the record does not match its hash (altered)');
  vi.restoreAllMocks();
});
