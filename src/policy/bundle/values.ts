/**
 * @module
 * The value encoding shared by bundle constants and request values:
 * a tag byte, then a payload (see `Tag`). Lists and objects carry their byte length so the
 * evaluator can skip them without walking.
 */
import { Tag } from './format.js';
import type { ByteWriter } from './writer.js';

type Encodable = null | boolean | number | string | Encodable[] | { [key: string]: Encodable };

const utf8 = new TextEncoder();

/** Writes a string as (sym, byte length, bytes). */
export function writeString(w: ByteWriter, s: string, sym: (s: string) => number): void {
  const bytes = utf8.encode(s);
  w.i32(sym(s)).u32(bytes.length).bytes(bytes);
}

/** Writes one value; `sym` returns a symbol id, or -1 for strings outside the table. */
export function writeValue(w: ByteWriter, v: Encodable, sym: (s: string) => number): void {
  if (v === null) w.u8(Tag.Null);
  else if (v === true) w.u8(Tag.True);
  else if (v === false) w.u8(Tag.False);
  else if (typeof v === 'number') w.u8(Tag.Number).f64(v);
  else if (typeof v === 'string') {
    w.u8(Tag.String);
    writeString(w, v, sym);
  } else if (Array.isArray(v)) {
    w.u8(Tag.List).u32(v.length);
    const at = w.length;
    w.u32(0);
    for (const item of v) writeValue(w, item, sym);
    w.patchU32(at, w.length - at - 4);
  } else {
    const entries = Object.entries(v);
    w.u8(Tag.Object).u32(entries.length);
    const at = w.length;
    w.u32(0);
    for (const [k, item] of entries) {
      writeString(w, k, sym);
      writeValue(w, item, sym);
    }
    w.patchU32(at, w.length - at - 4);
  }
}
