/**
 * @module
 * The order in which every engine visits the strings in a request's params: depth first,
 * object keys in insertion order, array items by index. DLP spans and hits name strings
 * by their position in this order.
 */
import type { JsonValue } from '../lib/json.js';

/** Every string value in params, in visiting order, with its path (`params.a.b[2]`). */
export function paramStrings(params: { [key: string]: JsonValue }): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  const walk = (v: JsonValue, path: string) => {
    if (typeof v === 'string') out.push({ path, text: v });
    else if (Array.isArray(v)) v.forEach((item, i) => walk(item, `${path}[${i}]`));
    else if (v !== null && typeof v === 'object') for (const [k, item] of Object.entries(v)) walk(item, `${path}.${k}`);
  };
  walk(params, 'params');
  return out;
}

/** Converts a UTF-8 byte offset within `text` to a UTF-16 offset. */
export function utf16Offset(text: string, byteOffset: number): number {
  let bytes = 0;
  let i = 0;
  while (i < text.length && bytes < byteOffset) {
    const c = text.codePointAt(i)!;
    bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
    i += c > 0xffff ? 2 : 1;
  }
  return i;
}
