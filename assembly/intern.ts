/**
 * Interning: a hash table over the bundle's symbols, built once at load. Every string in a
 * request gets its symbol id here, inside the evaluator, so string equality can compare
 * ids without trusting the host to have interned anything.
 */
import { symbolAddr, symbolCount, symbolLen } from './symbols';
import { bytesEqual } from './bytes';

let table: u32 = 0;
let mask: u32 = 0;
/** Bit n set when some symbol is n bytes long (n < 64); longer strings go to the table. */
let lengths: u64 = 0;
let longest: u32 = 0;

@inline function hashBytes(p: u32, len: u32): u32 {
  let h: u32 = 0x811c9dc5;
  for (let i: u32 = 0; i < len; i++) h = (h ^ <u32>load<u8>(p + i)) * 0x01000193;
  return h;
}

/** Builds the table in `memory` (4 × capacity bytes, capacity a power of two > 2 × symbols). */
export function buildInternTable(at: u32, capacity: u32): void {
  table = at;
  mask = capacity - 1;
  memory.fill(at, 0, capacity * 4);
  lengths = 0;
  longest = 0;
  for (let s: u32 = 0; s < symbolCount; s++) {
    const n = symbolLen(s);
    if (n < 64) lengths |= (<u64>1) << n;
    if (n > longest) longest = n;
    let slot = hashBytes(symbolAddr(s), symbolLen(s)) & mask;
    while (load<u32>(table + slot * 4) != 0) slot = (slot + 1) & mask;
    store<u32>(table + slot * 4, s + 1);
  }
}

/** Capacity of the table for the loaded bundle's symbols. */
export function internCapacity(): u32 {
  let capacity: u32 = 16;
  while (capacity < symbolCount * 2 + 1) capacity <<= 1;
  return capacity;
}

/** The symbol id of the UTF-8 string at [p, p+len), or -1 when the bundle never mentions it. */
export function intern(p: u32, len: u32): i32 {
  if (len > longest || (len < 64 && (lengths & ((<u64>1) << len)) == 0)) return -1;
  let slot = hashBytes(p, len) & mask;
  while (true) {
    const entry = load<u32>(table + slot * 4);
    if (entry == 0) return -1;
    const s = entry - 1;
    if (symbolLen(s) == len && bytesEqual(symbolAddr(s), len, p, len)) return <i32>s;
    slot = (slot + 1) & mask;
  }
  return -1;
}
