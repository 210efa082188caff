/**
 * @module
 * The bundle's symbol table: every string the policy mentions, sorted by code point so the
 * ids never depend on the order of files or rules. Requests are interned against it, so
 * the evaluator compares strings by id.
 */
import { compareCodePoints } from '../reference/expression.js';

export class SymbolTable {
  private readonly strings = new Set<string>();
  private ids: Map<string, number> | null = null;

  add(s: string): void {
    if (this.ids) throw new Error('symbol table is frozen');
    this.strings.add(s);
  }
  /** Fixes the ids; no symbol can be added afterwards. */
  freeze(): string[] {
    const sorted = [...this.strings].sort(compareCodePoints);
    this.ids = new Map(sorted.map((s, i) => [s, i]));
    return sorted;
  }
  id(s: string): number {
    const id = this.ids?.get(s);
    if (id === undefined) throw new Error(`symbol '${s}' was not registered`);
    return id;
  }
}
