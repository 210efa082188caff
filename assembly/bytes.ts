/** Byte-string helpers over linear memory: equality, ordering and search. */

/** Scratch for the KMP failure table; needles longer than this use the naive search. */
const KMP_CAPACITY: u32 = 1 << 16;
const kmpTable = memory.data(<i32>(KMP_CAPACITY * 4), 4);

export function bytesEqual(a: u32, alen: u32, b: u32, blen: u32): bool {
  if (alen != blen) return false;
  for (let i: u32 = 0; i < alen; i++) if (load<u8>(a + i) != load<u8>(b + i)) return false;
  return true;
}

/** Lexicographic byte order, which is Unicode code point order for UTF-8. */
export function bytesCompare(a: u32, alen: u32, b: u32, blen: u32): i32 {
  const n = alen < blen ? alen : blen;
  for (let i: u32 = 0; i < n; i++) {
    const x = load<u8>(a + i);
    const y = load<u8>(b + i);
    if (x != y) return x < y ? -1 : 1;
  }
  return alen < blen ? -1 : alen > blen ? 1 : 0;
}

export function bytesStartWith(a: u32, alen: u32, b: u32, blen: u32): bool {
  return blen <= alen && bytesEqual(a, blen, b, blen);
}

export function bytesEndWith(a: u32, alen: u32, b: u32, blen: u32): bool {
  return blen <= alen && bytesEqual(a + alen - blen, blen, b, blen);
}

/** Substring search in O(alen + blen) with Knuth-Morris-Pratt. */
export function bytesContain(a: u32, alen: u32, b: u32, blen: u32): bool {
  if (blen == 0) return true;
  if (blen > alen) return false;
  if (blen > KMP_CAPACITY) {
    for (let i: u32 = 0; i + blen <= alen; i++) if (bytesEqual(a + i, blen, b, blen)) return true;
    return false;
  }
  store<i32>(kmpTable, 0);
  let k: i32 = 0;
  for (let i: u32 = 1; i < blen; i++) {
    const c = load<u8>(b + i);
    while (k > 0 && load<u8>(b + <u32>k) != c) k = load<i32>(kmpTable + (<u32>(k - 1) << 2));
    if (load<u8>(b + <u32>k) == c) k++;
    store<i32>(kmpTable + (i << 2), k);
  }
  let q: i32 = 0;
  for (let i: u32 = 0; i < alen; i++) {
    const c = load<u8>(a + i);
    while (q > 0 && load<u8>(b + <u32>q) != c) q = load<i32>(kmpTable + (<u32>(q - 1) << 2));
    if (load<u8>(b + <u32>q) == c) q++;
    if (<u32>q == blen) return true;
  }
  return false;
}

/** Unicode code points in a UTF-8 string: every byte that is not a continuation byte. */
export function codePointCount(a: u32, alen: u32): u32 {
  let n: u32 = 0;
  for (let i: u32 = 0; i < alen; i++) if ((load<u8>(a + i) & 0xc0) != 0x80) n++;
  return n;
}
