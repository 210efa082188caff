/**
 * @module
 * What the live decisions feed carries, and how operators filter it. An event holds what the
 * audit record holds of a decision (names DLP flagged are already digested there), never
 * params: the feed shows no more than audit search does.
 */
import { globMatch } from '../../policy/glob.js';

/** One decision, as the feed shows it. */
export interface LiveEvent {
  /** Rises with every event the tenant's feed publishes (across restarts of its object too). */
  seq: number;
  time: string;
  agent: string;
  action: string;
  resource: string;
  decision: string;
  code: string;
  decision_id: string;
}

/** What an operator watches: agent and action are globs (`payments.*`), decision and code exact. */
export interface LiveFilter {
  agent?: string;
  action?: string;
  decision?: string;
  code?: string;
}

const FILTER_FIELDS = ['agent', 'action', 'decision', 'code'] as const;

/** The filter a query string names (blank fields filter nothing). */
export function filterFrom(query: URLSearchParams): LiveFilter {
  const filter: LiveFilter = {};
  for (const field of FILTER_FIELDS) {
    const value = query.get(field)?.trim().slice(0, 256);
    if (value) filter[field] = value;
  }
  return filter;
}

export function matches(filter: LiveFilter, event: LiveEvent): boolean {
  return (
    (!filter.agent || globMatch(filter.agent, event.agent)) &&
    (!filter.action || globMatch(filter.action, event.action)) &&
    (!filter.decision || filter.decision === event.decision) &&
    (!filter.code || filter.code === event.code)
  );
}
