/**
 * @module
 * What bounds a delegated agent beyond the policy: every link of its chain (actions and
 * resources) and the smallest daily budget among them, counted in its own Durable Object.
 */
import type { EngineRequest } from '../../engine/stateful-engine.js';
import { outsideChain, type DelegationLink } from '../../tokens/delegation.js';

/** What bounds a delegated agent's decisions: every link of its chain, and its trust ceiling. */
export interface DelegatedScope {
  links: DelegationLink[];
  trustCeiling: number | null;
}

const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export class DelegatedSpend {
  constructor(private readonly sql: SqlStorage) {
    sql.exec('CREATE TABLE IF NOT EXISTS delegated_spend (day TEXT PRIMARY KEY, usd REAL NOT NULL)');
  }

  private spentOn(day: string): number {
    return this.sql.exec<{ usd: number }>('SELECT usd FROM delegated_spend WHERE day = ?', day).toArray()[0]?.usd ?? 0;
  }

  /** Why the request is outside the delegation, or null when every link allows it. */
  problem(scope: DelegatedScope, request: EngineRequest, now: number): string | null {
    const outside = outsideChain(scope.links, request.action, request.resource);
    if (outside) return outside;
    const budgets = scope.links.map((l) => l.budget_usd).filter((b): b is number => b !== null);
    if (budgets.length === 0) return null;
    const cap = Math.min(...budgets);
    const spent = this.spentOn(utcDay(now));
    return spent + (request.cost?.usd ?? 0) > cap ? `this request would exceed the delegated budget of ${cap} USD per day (${spent} spent)` : null;
  }

  /** Counts an allowed request's cost against today's delegated budget. */
  add(usd: number, now: number): void {
    if (usd > 0) this.sql.exec('INSERT INTO delegated_spend (day, usd) VALUES (?, ?) ON CONFLICT(day) DO UPDATE SET usd = usd + excluded.usd', utcDay(now), usd);
  }
}
