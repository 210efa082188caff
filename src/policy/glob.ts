/**
 * @module
 * Globs: `*` matches any run of characters except `/`, `**` matches any run, everything
 * else matches itself. Matching simulates the pattern as an NFA, so it runs in
 * O(pattern × input) with no backtracking; the WASM matcher is the same algorithm.
 */

export const MAX_GLOB_LENGTH = 256;

/** A glob token: a literal UTF-16 code unit, or one of the two wildcards. */
export const STAR = -1;
export const DOUBLE_STAR = -2;

/** Returns a lowercase problem description, or null when the glob is valid. */
export function globProblem(pattern: string): string | null {
  if (pattern.length === 0) return 'glob is empty';
  if (pattern.length > MAX_GLOB_LENGTH) return `glob is longer than ${MAX_GLOB_LENGTH} characters`;
  if (pattern.includes('***')) return `glob '${pattern}' has three or more '*' in a row`;
  if (!pattern.isWellFormed()) return 'glob has a lone surrogate';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f]/.test(pattern)) return 'glob has a control character';
  return null;
}

/** Splits a glob into tokens: code units, STAR and DOUBLE_STAR. */
export function tokenizeGlob(pattern: string): number[] {
  const tokens: number[] = [];
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] === '*') {
      if (pattern[i + 1] === '*') {
        tokens.push(DOUBLE_STAR);
        i++;
      } else tokens.push(STAR);
    } else tokens.push(pattern.charCodeAt(i));
  }
  return tokens;
}

/** True when the glob has no wildcard, so it can be matched by equality. */
export function isLiteralGlob(pattern: string): boolean {
  return !pattern.includes('*');
}

/** Matches `text` against `pattern`. Linear in the text for a bounded pattern. */
export function globMatch(pattern: string, text: string): boolean {
  const tokens = tokenizeGlob(pattern);
  const m = tokens.length;
  let states = new Uint8Array(m + 1);
  let next = new Uint8Array(m + 1);
  states[0] = 1;
  closeOverWildcards(tokens, states);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    next.fill(0);
    let any = false;
    for (let p = 0; p < m; p++) {
      if (!states[p]) continue;
      const t = tokens[p];
      if (t === c) next[p + 1] = 1;
      else if (t === DOUBLE_STAR || (t === STAR && c !== 47) /* '/' */) next[p] = 1;
      else continue;
      any = true;
    }
    if (!any) return false;
    closeOverWildcards(tokens, next);
    [states, next] = [next, states];
  }
  return states[m] === 1;
}

/** A wildcard may match nothing: reaching it also reaches the position after it. */
function closeOverWildcards(tokens: number[], states: Uint8Array): void {
  for (let p = 0; p < tokens.length; p++) {
    if (states[p] && tokens[p] < 0) states[p + 1] = 1;
  }
}
