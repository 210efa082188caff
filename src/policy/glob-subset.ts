/**
 * @module
 * Whether one glob matches only strings another matches: L(inner) ⊆ L(outer). Exact, not
 * a heuristic: both globs run as NFAs over an alphabet of the characters either one names,
 * plus `/`, plus one symbol standing for every other character (no glob can tell those
 * apart), and a search over pairs of their state sets looks for a string only `inner`
 * accepts. Delegation uses it so that rights handed down can only narrow.
 */
import { DOUBLE_STAR, globMatch, isLiteralGlob, STAR, tokenizeGlob } from './glob.js';

const SLASH = 47;
/** Stands for every character neither glob names (and that is not `/`). */
const OTHER = -100;

/** The states reachable from `states` through wildcards that match nothing. */
function close(tokens: number[], states: Set<number>): Set<number> {
  for (let p = 0; p < tokens.length; p++) if (states.has(p) && tokens[p] < 0) states.add(p + 1);
  return states;
}

function step(tokens: number[], states: Set<number>, symbol: number): Set<number> {
  const next = new Set<number>();
  for (const p of states) {
    if (p === tokens.length) continue;
    const t = tokens[p];
    if (t === symbol) next.add(p + 1);
    else if (t === DOUBLE_STAR || (t === STAR && symbol !== SLASH)) next.add(p);
  }
  return close(tokens, next);
}

const key = (states: Set<number>) => [...states].sort((a, b) => a - b).join(',');

/** True when every string `inner` matches, `outer` matches too. */
export function globSubset(inner: string, outer: string): boolean {
  const a = tokenizeGlob(inner);
  const b = tokenizeGlob(outer);
  const alphabet = [...new Set([...a, ...b].filter((t) => t >= 0)), SLASH, OTHER];
  const start: [Set<number>, Set<number>] = [close(a, new Set([0])), close(b, new Set([0]))];
  const seen = new Set<string>();
  const queue = [start];
  while (queue.length > 0) {
    const [sa, sb] = queue.pop()!;
    const id = `${key(sa)}|${key(sb)}`;
    if (seen.has(id)) continue;
    seen.add(id);
    if (sa.has(a.length) && !sb.has(b.length)) return false; // a string inner accepts and outer does not
    for (const symbol of alphabet) {
      const na = step(a, sa, symbol);
      if (na.size > 0) queue.push([na, step(b, sb, symbol)]);
    }
  }
  return true;
}

/** True when every string some glob in `inner` matches, some glob in `outer` matches. */
export function globsSubset(inner: readonly string[], outer: readonly string[]): boolean {
  // A union inside a union: each inner glob must fit one outer glob. (Exact when outer has
  // one glob; with several it can refuse an inner glob that only their union covers, which
  // errs on the side of narrowing.)
  return inner.every((g) => outer.some((o) => globSubset(g, o)));
}

/** True when some string matches both globs. */
export function globsOverlap(a: string, b: string): boolean {
  // Most globs in a registry or a rule are literal names: those need no search.
  if (isLiteralGlob(a)) return globMatch(b, a);
  if (isLiteralGlob(b)) return globMatch(a, b);
  const ta = tokenizeGlob(a);
  const tb = tokenizeGlob(b);
  const alphabet = [...new Set([...ta, ...tb].filter((t) => t >= 0)), SLASH, OTHER];
  const seen = new Set<string>();
  const queue: [Set<number>, Set<number>][] = [[close(ta, new Set([0])), close(tb, new Set([0]))]];
  while (queue.length > 0) {
    const [sa, sb] = queue.pop()!;
    if (sa.has(ta.length) && sb.has(tb.length)) return true;
    const id = `${key(sa)}|${key(sb)}`;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const symbol of alphabet) {
      const na = step(ta, sa, symbol);
      const nb = step(tb, sb, symbol);
      if (na.size > 0 && nb.size > 0) queue.push([na, nb]);
    }
  }
  return false;
}
