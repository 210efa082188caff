/**
 * @module
 * Bytes as text: hex, base64 and base64url, with Web APIs only (atob and btoa work on
 * Latin-1 strings, so bytes go through them one char a byte).
 */

/** UTF-8 encoder shared by every part. */
export const utf8 = new TextEncoder();

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** A hex digit's value by char code ('0'-'9', 'a'-'f'). */
function nibble(code: number): number {
  return code <= 57 ? code - 48 : code - 87;
}

/** Lowercase hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (let i = 0; i < bytes.length; i++) hex += HEX[bytes[i]];
  return hex;
}

/** Bytes of lowercase hex text, written into `out` at `offset` when given. */
export function fromHex(hex: string, out: Uint8Array = new Uint8Array(hex.length >> 1), offset = 0): Uint8Array {
  const n = hex.length >> 1;
  for (let i = 0; i < n; i++)
    out[offset + i] = (nibble(hex.charCodeAt(i * 2)) << 4) | nibble(hex.charCodeAt(i * 2 + 1));
  return out;
}

/** Standard base64 of `bytes`, padded. */
export function toBase64(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

/** Bytes of standard base64 (padding optional). Throws on characters outside the alphabet. */
export function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const raw = atob(text);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

/** Unpadded base64url (RFC 4648 §5) of `bytes`. */
export function toBase64Url(bytes: Uint8Array): string {
  return toBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Bytes of base64url text, padded or not. Throws on characters outside the alphabet. */
export function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  return fromBase64(text.replace(/-/g, '+').replace(/_/g, '/'));
}
