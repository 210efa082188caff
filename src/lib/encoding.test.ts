import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromBase64, fromBase64Url, fromHex, toBase64, toBase64Url, toHex } from './encoding.js';
import { hmacSha256, sha256Hex } from './sha256.js';

describe('sha256Hex', () => {
  it('matches WebCrypto on random inputs', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (data) => {
        const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', data));
        expect(sha256Hex(data)).toBe(toHex(digest));
      }),
      { numRuns: 300 },
    );
  });
});

describe('hmacSha256', () => {
  it('HMAC-SHA-256 matches WebCrypto', async () => {
    for (const [key, data] of [
      ['k', 'msg'],
      ['x'.repeat(100), ''],
      ['y'.repeat(64), 'a'.repeat(1000)],
    ]) {
      const k = await crypto.subtle.importKey(
        'raw',
        new TextEncoder().encode(key),
        { name: 'HMAC', hash: 'SHA-256' },
        false,
        ['sign'],
      );
      const expected = new Uint8Array(await crypto.subtle.sign('HMAC', k, new TextEncoder().encode(data)));
      expect(hmacSha256(new TextEncoder().encode(key), new TextEncoder().encode(data))).toEqual(expected);
    }
  });
});

describe('encodings', () => {
  it('hex, base64 and base64url round-trip any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(fromHex(toHex(bytes))).toEqual(bytes);
        expect(fromBase64(toBase64(bytes))).toEqual(bytes);
        expect(fromBase64Url(toBase64Url(bytes))).toEqual(bytes);
        expect(toBase64Url(bytes)).toMatch(/^[A-Za-z0-9_-]*$/);
      }),
      { numRuns: 300 },
    );
  });

  it('match the platform: hex and base64 as Node writes them', () => {
    const bytes = Uint8Array.from([0, 1, 127, 128, 250, 251, 255]);
    expect(toHex(bytes)).toBe('00017f80fafbff');
    expect(toBase64(bytes)).toBe('AAF/gPr7/w==');
    expect(toBase64Url(bytes)).toBe('AAF_gPr7_w');
  });
});
