/**
 * Glob matching by NFA simulation over the pattern's tokens: O(pattern × text), never
 * exponential. Mirrors `src/policy/glob.ts`.
 */
import { GLOB_DOUBLE_STAR, GLOB_STAR, MAX_GLOB_TOKENS } from './abi';

const current = memory.data(<i32>(MAX_GLOB_TOKENS + 1));
const following = memory.data(<i32>(MAX_GLOB_TOKENS + 1));

function close(p: u32, plen: u32, states: usize): void {
  for (let i: u32 = 0; i < plen; i++) {
    if (load<u8>(states + i) != 0 && load<u8>(p + i) <= GLOB_DOUBLE_STAR) store<u8>(states + i + 1, 1);
  }
}

/**
 * Matches UTF-8 `text` against a tokenized glob; patterns are at most MAX_GLOB_TOKENS bytes.
 * The literal prefix and suffix are compared directly; only the part between the first
 * and last wildcard needs the NFA, and a single wildcard needs none.
 */
export function globMatch(p: u32, plen: u32, t: u32, tlen: u32): bool {
  if (plen > MAX_GLOB_TOKENS) return false;
  let first: u32 = 0;
  while (first < plen && load<u8>(p + first) > GLOB_DOUBLE_STAR) first++;
  if (first == plen) return plen == tlen && literalEqual(p, t, plen);
  let last = plen - 1;
  while (load<u8>(p + last) > GLOB_DOUBLE_STAR) last--;
  const suffix = plen - 1 - last;
  if (tlen < first + suffix || !literalEqual(p, t, first)) return false;
  if (!literalEqual(p + last + 1, t + tlen - suffix, suffix)) return false;
  if (first == last) {
    if (load<u8>(p + first) == GLOB_DOUBLE_STAR) return true;
    for (let i = first; i < tlen - suffix; i++) if (load<u8>(t + i) == 0x2f) return false;
    return true;
  }
  return nfaMatch(p + first, last + 1 - first, t + first, tlen - suffix - first);
}

function literalEqual(a: u32, b: u32, n: u32): bool {
  for (let i: u32 = 0; i < n; i++) if (load<u8>(a + i) != load<u8>(b + i)) return false;
  return true;
}

/** The NFA simulation over the whole of pattern and text. */
function nfaMatch(p: u32, plen: u32, t: u32, tlen: u32): bool {
  let states = current;
  let next = following;
  memory.fill(states, 0, plen + 1);
  store<u8>(states, 1);
  close(p, plen, states);
  for (let i: u32 = 0; i < tlen; i++) {
    const c = load<u8>(t + i);
    memory.fill(next, 0, plen + 1);
    let any = false;
    for (let k: u32 = 0; k < plen; k++) {
      if (load<u8>(states + k) == 0) continue;
      const tok = load<u8>(p + k);
      if (tok == GLOB_DOUBLE_STAR || (tok == GLOB_STAR && c != 0x2f)) {
        store<u8>(next + k, 1);
        any = true;
      } else if (tok == c) {
        store<u8>(next + k + 1, 1);
        any = true;
      }
    }
    if (!any) return false;
    close(p, plen, next);
    const swap = states;
    states = next;
    next = swap;
  }
  return load<u8>(states + plen) == 1;
}
