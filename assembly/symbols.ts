/**
 * The loaded bundle's symbol table: a count, a `Span` per symbol, then the symbols' UTF-8
 * bytes. Its own module so that interning (`intern.ts`) and value reading (`values.ts`) can
 * use it without importing the bundle loader, which imports them.
 */
import { Span } from './abi';

export let symbolCount: u32 = 0;
/** The symbol section: the count, then the spans. */
let symbolsAt: u32 = 0;

export function setSymbolTable(at: u32, count: u32): void {
  symbolsAt = at;
  symbolCount = count;
}

/** The address of the spans. */
@inline function spansAt(): u32 {
  return symbolsAt + 4;
}

export function symbolAddr(id: u32): u32 {
  return Span.at(spansAt(), symbolCount) + Span.offset(Span.at(spansAt(), id));
}
export function symbolLen(id: u32): u32 {
  return Span.length(Span.at(spansAt(), id));
}
