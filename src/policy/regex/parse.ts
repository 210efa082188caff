/**
 * @module
 * Parses RE2 syntax (what CEL's `matches` takes) into a small AST. What RE2 rejects is
 * rejected here with a message and an offset: backreferences, lookaround, possessive and
 * doubled repetition. The AST only has what a linear-time matcher can run.
 */
import { TollgateError } from '../../lib/errors.js';

/** Inclusive code point ranges, sorted and disjoint. */
export type Ranges = [number, number][];

export type AssertKind = 'begin_text' | 'end_text' | 'begin_line' | 'end_line' | 'word_boundary' | 'not_word_boundary';

export type RegexNode =
  | { kind: 'empty' }
  | { kind: 'class'; ranges: Ranges }
  | { kind: 'assert'; assert: AssertKind }
  | { kind: 'concat'; items: RegexNode[] }
  | { kind: 'alt'; items: RegexNode[] }
  | { kind: 'repeat'; item: RegexNode; min: number; max: number | null };

export class RegexSyntaxError extends TollgateError<'bad_regex'> {
  constructor(
    message: string,
    /** Offset into the pattern. */
    readonly pos: number,
  ) {
    super('bad_regex', message);
    this.name = 'RegexSyntaxError';
  }
}

/** RE2's limit on a counted repetition. */
export const MAX_REPEAT = 1000;
const MAX_CODE_POINT = 0x10ffff;

interface Flags {
  i: boolean;
  s: boolean;
  m: boolean;
}

const DIGIT: Ranges = [[0x30, 0x39]];
const WORD: Ranges = [
  [0x30, 0x39],
  [0x41, 0x5a],
  [0x5f, 0x5f],
  [0x61, 0x7a],
];
const SPACE: Ranges = [
  [0x09, 0x0a],
  [0x0c, 0x0d],
  [0x20, 0x20],
];
const POSIX: Record<string, Ranges> = {
  alnum: [
    [0x30, 0x39],
    [0x41, 0x5a],
    [0x61, 0x7a],
  ],
  alpha: [
    [0x41, 0x5a],
    [0x61, 0x7a],
  ],
  ascii: [[0x00, 0x7f]],
  blank: [
    [0x09, 0x09],
    [0x20, 0x20],
  ],
  cntrl: [
    [0x00, 0x1f],
    [0x7f, 0x7f],
  ],
  digit: DIGIT,
  graph: [[0x21, 0x7e]],
  lower: [[0x61, 0x7a]],
  print: [[0x20, 0x7e]],
  punct: [
    [0x21, 0x2f],
    [0x3a, 0x40],
    [0x5b, 0x60],
    [0x7b, 0x7e],
  ],
  space: [
    [0x09, 0x0d],
    [0x20, 0x20],
  ],
  upper: [[0x41, 0x5a]],
  word: WORD,
  xdigit: [
    [0x30, 0x39],
    [0x41, 0x46],
    [0x61, 0x66],
  ],
};
const SIMPLE_ESCAPES: Record<string, number> = { a: 0x07, f: 0x0c, t: 0x09, n: 0x0a, r: 0x0d, v: 0x0b };

/** Sorts and merges ranges. */
export function normalize(ranges: Ranges): Ranges {
  const sorted = ranges.map(([a, b]): [number, number] => [a, b]).sort((x, y) => x[0] - y[0]);
  const out: Ranges = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else out.push(r);
  }
  return out;
}

export function negate(ranges: Ranges): Ranges {
  const out: Ranges = [];
  let next = 0;
  for (const [a, b] of normalize(ranges)) {
    if (a > next) out.push([next, a - 1]);
    next = b + 1;
  }
  if (next <= MAX_CODE_POINT) out.push([next, MAX_CODE_POINT]);
  return out;
}

/**
 * Adds the simple case variants of every code point: ASCII and the scripts whose case
 * mapping is one code point to one (Latin, Greek, Cyrillic and the like).
 */
export function foldCase(ranges: Ranges): Ranges {
  const out: Ranges = [...ranges];
  for (const [a, b] of ranges) {
    // A class this wide already holds nearly everything; folding it adds nothing useful.
    if (b - a > 0x3000) continue;
    for (let c = a; c <= b; c++) {
      if (c >= 0xd800 && c <= 0xdfff) continue;
      const s = String.fromCodePoint(c);
      for (const v of [s.toLowerCase(), s.toUpperCase()]) {
        const cp = v.codePointAt(0)!;
        if (v.length === String.fromCodePoint(cp).length && cp !== c) out.push([cp, cp]);
      }
    }
  }
  return normalize(out);
}

/** Parses a pattern; throws `RegexSyntaxError`. */
export function parseRegex(pattern: string): RegexNode {
  return new RegexParser(pattern).parse();
}

class RegexParser {
  private i = 0;
  private depth = 0;
  constructor(private readonly src: string) {}

  parse(): RegexNode {
    const node = this.alternation({ i: false, s: false, m: false });
    if (this.i < this.src.length) throw new RegexSyntaxError(`unexpected ')'`, this.i);
    return node;
  }

  private peek(): string | undefined {
    return this.src[this.i];
  }

  private alternation(flags: Flags): RegexNode {
    if (++this.depth > 100) throw new RegexSyntaxError('pattern is nested too deeply', this.i);
    const items = [this.concatenation(flags)];
    while (this.peek() === '|') {
      this.i++;
      items.push(this.concatenation(flags));
    }
    this.depth--;
    return items.length === 1 ? items[0] : { kind: 'alt', items };
  }

  /** A run of repeated atoms; a `(?flags)` group changes the flags for the rest of it. */
  private concatenation(flags: Flags): RegexNode {
    const items: RegexNode[] = [];
    while (this.i < this.src.length && this.peek() !== '|' && this.peek() !== ')') {
      const start = this.i;
      const atom = this.atom(flags);
      if (atom === null) continue; // a flags group: nothing to match
      items.push(this.repetition(atom, start));
    }
    return items.length === 0 ? { kind: 'empty' } : items.length === 1 ? items[0] : { kind: 'concat', items };
  }

  private repetition(atom: RegexNode, start: number): RegexNode {
    let node = atom;
    let repeated = false;
    for (;;) {
      const c = this.peek();
      let min: number;
      let max: number | null;
      const at = this.i;
      if (c === '*' || c === '+' || c === '?') {
        this.i++;
        [min, max] = c === '*' ? [0, null] : c === '+' ? [1, null] : [0, 1];
      } else if (c === '{') {
        const counted = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.i));
        if (!counted) return node; // RE2 reads a '{' that starts no repetition as a literal
        this.i += counted[0].length;
        min = Number(counted[1]);
        max = counted[2] === undefined ? min : counted[3] === '' ? null : Number(counted[3]);
        if (min > MAX_REPEAT || (max !== null && max > MAX_REPEAT))
          throw new RegexSyntaxError(`bad repetition: counts above ${MAX_REPEAT} are not allowed`, at);
        if (max !== null && max < min)
          throw new RegexSyntaxError(`bad repetition: {${min},${max}} has its maximum below its minimum`, at);
      } else {
        return node;
      }
      if (repeated)
        throw new RegexSyntaxError(
          `bad repetition operator: '${this.src.slice(start, this.i)}' repeats a repetition`,
          at,
        );
      if (atom.kind === 'empty' && start === at)
        throw new RegexSyntaxError(`missing argument to repetition operator '${c}'`, at);
      if (this.peek() === '?') this.i++; // non-greedy: the same language, and matching only asks whether
      if (this.peek() === '+')
        throw new RegexSyntaxError('possessive repetition is not supported (RE2 syntax)', this.i);
      node = { kind: 'repeat', item: node, min, max };
      repeated = true;
    }
  }

  private atom(flags: Flags): RegexNode | null {
    const at = this.i;
    const c = this.src.codePointAt(this.i)!;
    const ch = String.fromCodePoint(c);
    this.i += ch.length;
    switch (ch) {
      case '*':
      case '+':
      case '?':
        throw new RegexSyntaxError(`missing argument to repetition operator '${ch}'`, at);
      case '.':
        return {
          kind: 'class',
          ranges: flags.s
            ? [[0, MAX_CODE_POINT]]
            : [
                [0, 9],
                [11, MAX_CODE_POINT],
              ],
        };
      case '^':
        return { kind: 'assert', assert: flags.m ? 'begin_line' : 'begin_text' };
      case '$':
        return { kind: 'assert', assert: flags.m ? 'end_line' : 'end_text' };
      case '[':
        return this.charClass(flags, at);
      case '(':
        return this.group(flags, at);
      case '\\':
        return this.escape(flags, at, false);
      default:
        return this.literal(c, flags);
    }
  }

  private literal(c: number, flags: Flags): RegexNode {
    const ranges: Ranges = [[c, c]];
    return { kind: 'class', ranges: flags.i ? foldCase(ranges) : ranges };
  }

  private group(flags: Flags, at: number): RegexNode | null {
    if (this.peek() !== '?') return this.closeGroup(this.alternation({ ...flags }), at);
    this.i++;
    const rest = this.src.slice(this.i);
    if (rest.startsWith('=') || rest.startsWith('!') || rest.startsWith('<=') || rest.startsWith('<!')) {
      throw new RegexSyntaxError('lookaround is not supported (RE2 syntax): use a linear-time pattern', at);
    }
    const named = /^(P?<)([A-Za-z_][A-Za-z0-9_]*)>/.exec(rest);
    if (named) {
      this.i += named[0].length;
      return this.closeGroup(this.alternation({ ...flags }), at);
    }
    const flagged = /^([ismU]*)(-([ismU]*))?([:)])/.exec(rest);
    if (!flagged || (flagged[2] !== undefined && flagged[3] === ''))
      throw new RegexSyntaxError(`invalid or unsupported group '(?${rest.slice(0, 2)}'`, at);
    if (flagged[0].includes('U')) throw new RegexSyntaxError("flag 'U' is not supported", at);
    this.i += flagged[0].length;
    const next = { ...flags };
    for (const f of flagged[1]) next[f as keyof Flags] = true;
    for (const f of flagged[3] ?? '') next[f as keyof Flags] = false;
    if (flagged[4] === ')') {
      // (?i) sets the flags for the rest of the enclosing group.
      Object.assign(flags, next);
      return null;
    }
    return this.closeGroup(this.alternation(next), at);
  }

  private closeGroup(node: RegexNode, at: number): RegexNode {
    if (this.peek() !== ')') throw new RegexSyntaxError("missing ')'", at);
    this.i++;
    return node;
  }

  /** An escape; inside a class only character escapes make sense. */
  private escape(flags: Flags, at: number, inClass: boolean): RegexNode {
    const e = this.src[this.i++];
    if (e === undefined) throw new RegexSyntaxError('trailing backslash', at);
    if (e >= '1' && e <= '9') throw new RegexSyntaxError(`backreferences are not supported (RE2 syntax): '\\${e}'`, at);
    const set = (ranges: Ranges): RegexNode => ({ kind: 'class', ranges });
    switch (e) {
      case 'd':
        return set(DIGIT);
      case 'D':
        return set(negate(DIGIT));
      case 'w':
        return set(WORD);
      case 'W':
        return set(negate(WORD));
      case 's':
        return set(SPACE);
      case 'S':
        return set(negate(SPACE));
    }
    if (!inClass) {
      switch (e) {
        case 'A':
          return { kind: 'assert', assert: 'begin_text' };
        case 'z':
          return { kind: 'assert', assert: 'end_text' };
        case 'b':
          return { kind: 'assert', assert: 'word_boundary' };
        case 'B':
          return { kind: 'assert', assert: 'not_word_boundary' };
        case 'Q': {
          const end = this.src.indexOf('\\E', this.i);
          const text = this.src.slice(this.i, end < 0 ? undefined : end);
          this.i = end < 0 ? this.src.length : end + 2;
          const items = [...text].map((ch) => this.literal(ch.codePointAt(0)!, flags));
          return items.length === 1 ? items[0] : { kind: 'concat', items };
        }
      }
    }
    if (e === 'p' || e === 'P') throw new RegexSyntaxError('Unicode classes (\\p, \\P) are not supported', at);
    if (e === 'C') throw new RegexSyntaxError("'\\C' is not supported", at);
    if (e === 'k' || e === 'g')
      throw new RegexSyntaxError(`backreferences are not supported (RE2 syntax): '\\${e}'`, at);
    return this.literal(this.escapedCodePoint(e, at), flags);
  }

  private escapedCodePoint(e: string, at: number): number {
    if (SIMPLE_ESCAPES[e] !== undefined) return SIMPLE_ESCAPES[e];
    if (e === 'x') {
      const braced = /^\{([0-9A-Fa-f]{1,6})\}/.exec(this.src.slice(this.i));
      const two = /^[0-9A-Fa-f]{2}/.exec(this.src.slice(this.i));
      const hex = braced ? braced[1] : two?.[0];
      if (hex === undefined) throw new RegexSyntaxError('invalid escape \\x', at);
      this.i += (braced ?? two)![0].length;
      const cp = parseInt(hex, 16);
      if (cp > MAX_CODE_POINT) throw new RegexSyntaxError('escape is above U+10FFFF', at);
      return cp;
    }
    if (e === '0') {
      const octal = /^[0-7]{0,2}/.exec(this.src.slice(this.i))![0];
      this.i += octal.length;
      return parseInt(`0${octal}`, 8);
    }
    // Punctuation escapes itself; RE2 rejects escaped letters and digits it doesn't know.
    if (/[A-Za-z0-9]/.test(e)) throw new RegexSyntaxError(`invalid escape '\\${e}'`, at);
    return e.codePointAt(0)!;
  }

  private charClass(flags: Flags, at: number): RegexNode {
    let negated = false;
    if (this.peek() === '^') {
      negated = true;
      this.i++;
    }
    const ranges: Ranges = [];
    let first = true;
    while (this.peek() !== ']' || first) {
      if (this.i >= this.src.length) throw new RegexSyntaxError("missing ']'", at);
      first = false;
      const posix = /^\[:(\^?)([a-z]+):\]/.exec(this.src.slice(this.i));
      if (posix) {
        const named = POSIX[posix[2]];
        if (!named) throw new RegexSyntaxError(`unknown class '[:${posix[2]}:]'`, this.i);
        ranges.push(...(posix[1] ? negate(named) : named));
        this.i += posix[0].length;
        continue;
      }
      const lo = this.classItem(flags, at);
      if (typeof lo !== 'number') {
        ranges.push(...lo);
        continue;
      }
      if (this.peek() === '-' && this.src[this.i + 1] !== ']' && this.i + 1 < this.src.length) {
        const dash = this.i++;
        const hi = this.classItem(flags, at);
        if (typeof hi !== 'number') throw new RegexSyntaxError('bad character class range', dash);
        if (hi < lo)
          throw new RegexSyntaxError(
            `bad character class range: ${String.fromCodePoint(lo)}-${String.fromCodePoint(hi)}`,
            dash,
          );
        ranges.push([lo, hi]);
      } else {
        ranges.push([lo, lo]);
      }
    }
    this.i++;
    let set = normalize(ranges);
    if (flags.i) set = foldCase(set);
    return { kind: 'class', ranges: negated ? negate(set) : set };
  }

  /** One class member: a code point, or the ranges of a `\d`-style escape. */
  private classItem(flags: Flags, at: number): number | Ranges {
    const c = this.src.codePointAt(this.i)!;
    const ch = String.fromCodePoint(c);
    this.i += ch.length;
    if (ch !== '\\') return c;
    const escAt = this.i - 1;
    const e = this.src[this.i];
    if (e !== undefined && 'dDwWsS'.includes(e)) {
      const node = this.escape(flags, escAt, true);
      return (node as { ranges: Ranges }).ranges;
    }
    if (e === undefined) throw new RegexSyntaxError("missing ']'", at);
    if (e >= '1' && e <= '9')
      throw new RegexSyntaxError(`backreferences are not supported (RE2 syntax): '\\${e}'`, escAt);
    if (e === 'p' || e === 'P') throw new RegexSyntaxError('Unicode classes (\\p, \\P) are not supported', escAt);
    this.i++;
    return this.escapedCodePoint(e, escAt);
  }
}
