/**
 * @module
 * Did-you-mean hints for the checker's messages: the known name closest to a misspelt one.
 */

/**
 * The candidate `word` was most likely meant to be: a case-only difference, a few typos
 * (edit distance up to a third of its length, at least 2), or a shared 4-letter stem.
 */
export function closest(word: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  const lower = word.toLowerCase();
  for (const c of candidates) {
    const d = c.toLowerCase() === lower ? 0 : editDistance(lower, c.toLowerCase());
    const near =
      d <= Math.max(2, Math.floor(word.length / 3)) ||
      (lower.length >= 4 && c.toLowerCase().startsWith(lower.slice(0, 4)));
    if (near && d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++)
      next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length];
}

/** ` Did you mean 'x'?` when some candidate is close, else ''. */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const near = closest(word, candidates);
  return near === null ? '' : ` Did you mean '${near}'?`;
}
