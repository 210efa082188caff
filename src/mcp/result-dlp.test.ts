import { describe, expect, it } from 'vitest';
import { scanResult, type ResultDetectors } from './result-dlp.js';

const dlp: ResultDetectors = {
  detectors: ['aws_key', 'email'],
  custom: [{ name: 'ticket_ref', pattern: 'TKT-[0-9]{6}' }],
};
const text = (t: string) => ({ content: [{ type: 'text', text: t }] });

describe('DLP on tool results', () => {
  it('redacts each find in place, naming its detector, and says what found something', () => {
    const scan = scanResult(text('key AKIAIOSFODNN7EXAMPLE, mail ops@example.com, done'), {
      ...dlp,
      detectors: [...dlp.detectors],
    });
    expect(scan.redacted).toEqual(text('key [redacted:aws_key], mail [redacted:email], done'));
    expect(scan.found).toEqual(['aws_key', 'email']);
  });

  it('returns the result itself when nothing is found', () => {
    const result = text('nothing to see');
    const scan = scanResult(result, dlp);
    expect(scan).toEqual({ redacted: result, found: [] });
    expect(scan.redacted).toBe(result);
  });

  it('redacts the whole string when only its normalised reading, or a custom pattern, matches', () => {
    // Full-width letters read as Latin after NFKC; the written form matches no pattern.
    const hidden = 'ＡＫＩＡＩＯＳＦＯＤＮＮ7ＥＸＡＭＰＬＥ';
    expect(scanResult(text(`key ${hidden}`), dlp).redacted).toEqual(text('[redacted:aws_key]'));
    expect(scanResult(text('see TKT-123456 for it'), dlp)).toEqual({
      redacted: text('[redacted:ticket_ref]'),
      found: ['ticket_ref'],
    });
  });

  it('scans embedded resource text and structured content, and leaves binary data and protocol fields alone', () => {
    const result = {
      content: [
        { type: 'image', data: 'AKIAIOSFODNN7EXAMPLE', mimeType: 'image/png' },
        { type: 'resource', resource: { uri: 'test://x', mimeType: 'text/plain', text: 'AKIAIOSFODNN7EXAMPLE' } },
      ],
      structuredContent: { config: { key: 'AKIAIOSFODNN7EXAMPLE' } },
      isError: false,
    };
    const scan = scanResult(result, dlp);
    expect(scan.redacted).toEqual({
      content: [
        { type: 'image', data: 'AKIAIOSFODNN7EXAMPLE', mimeType: 'image/png' },
        { type: 'resource', resource: { uri: 'test://x', mimeType: 'text/plain', text: '[redacted:aws_key]' } },
      ],
      structuredContent: { config: { key: '[redacted:aws_key]' } },
      isError: false,
    });
  });
});
