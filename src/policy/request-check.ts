/**
 * @module
 * Validation of an `EvalRequest` before any engine sees it. Both engines share it, so a
 * malformed request is an `invalid_request` deny everywhere, with a message that names
 * the offending field. Nothing malformed ever reaches the evaluator.
 */
import { MAX_USD, toMicros } from './money.js';

export const MAX_VALUE_DEPTH = 32;
export const MAX_VALUE_NODES = 10_000;
export const MAX_STRING_LENGTH = 65_536;
/** The longest idempotency key (DESIGN §3). */
export const MAX_IDEMPOTENCY_KEY = 128;
const TOP_FIELDS = new Set([
  'action',
  'resource',
  'params',
  'context',
  'cost',
  'agent',
  'delegation',
  'facts',
  'idempotency_key',
]);

class Invalid extends Error {}

function fail(field: string, problem: string): never {
  throw new Invalid(`${field}: ${problem}`);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function checkString(v: unknown, field: string, opts: { nonEmpty?: boolean } = {}): string {
  if (typeof v !== 'string') fail(field, `must be a string, not ${describe(v)}`);
  if (opts.nonEmpty && v.length === 0) fail(field, 'must not be empty');
  if (v.length > MAX_STRING_LENGTH) fail(field, `is longer than ${MAX_STRING_LENGTH} characters`);
  if (!v.isWellFormed()) fail(field, 'has a lone surrogate (not valid unicode)');
  return v;
}

function checkNumber(v: unknown, field: string, opts: { min?: number; integer?: boolean } = {}): number {
  if (typeof v !== 'number') fail(field, `must be a number, not ${describe(v)}`);
  if (!Number.isFinite(v)) fail(field, `must be a finite number, not ${v}`);
  if (opts.min !== undefined && v < opts.min) fail(field, `must be at least ${opts.min}`);
  if (opts.integer && !Number.isSafeInteger(v)) fail(field, 'must be an integer below 2^53');
  return v;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** Checks a JSON value tree: finite numbers, well-formed strings, bounded depth and size. */
function checkJson(v: unknown, field: string, depth: number, budget: { nodes: number }): void {
  if (--budget.nodes < 0) fail(field, `has more than ${MAX_VALUE_NODES} values`);
  if (depth > MAX_VALUE_DEPTH) fail(field, `is nested deeper than ${MAX_VALUE_DEPTH}`);
  if (v === null || typeof v === 'boolean') return;
  if (typeof v === 'number') return void checkNumber(v, field);
  if (typeof v === 'string') return void checkString(v, field);
  if (Array.isArray(v)) {
    v.forEach((item, i) => checkJson(item, `${field}[${i}]`, depth + 1, budget));
    return;
  }
  if (!isPlainObject(v))
    fail(field, `must be JSON data, not ${typeof v === 'object' ? 'a class instance' : `a ${typeof v}`}`);
  for (const [k, item] of Object.entries(v)) {
    checkString(k, `${field} key`);
    checkJson(item, `${field}.${k}`, depth + 1, budget);
  }
}

function checkObject(v: unknown, field: string, allowed: readonly string[]): Record<string, unknown> {
  if (!isPlainObject(v)) fail(field, `must be an object, not ${describe(v)}`);
  for (const k of Object.keys(v))
    if (!allowed.includes(k)) fail(`${field}.${k}`, `is not a known field (expected ${allowed.join(', ')})`);
  return v;
}

function checkRequest(r: unknown): void {
  if (!isPlainObject(r)) fail('request', `must be an object, not ${describe(r)}`);
  for (const k of Object.keys(r)) if (!TOP_FIELDS.has(k)) fail(k, 'is not a known field');
  checkString(r.action, 'action', { nonEmpty: true });
  checkString(r.resource, 'resource', { nonEmpty: true });
  const agent = checkObject(r.agent, 'agent', ['id', 'tenant', 'roles']);
  checkString(agent.id, 'agent.id', { nonEmpty: true });
  if (agent.tenant !== undefined) checkString(agent.tenant, 'agent.tenant');
  if (agent.roles !== undefined) {
    if (!Array.isArray(agent.roles) || agent.roles.length > 64)
      fail('agent.roles', 'must be an array of at most 64 strings');
    agent.roles.forEach((role, i) => checkString(role, `agent.roles[${i}]`));
  }
  const budget = { nodes: MAX_VALUE_NODES };
  for (const key of ['params', 'context'] as const) {
    if (r[key] === undefined) continue;
    if (!isPlainObject(r[key])) fail(key, `must be an object, not ${describe(r[key])}`);
    checkJson(r[key], key, 1, budget);
  }
  if (r.cost !== undefined) {
    const cost = checkObject(r.cost, 'cost', ['usd', 'tokens']);
    if (cost.usd !== undefined && toMicros(checkNumber(cost.usd, 'cost.usd', { min: 0 })) === null) {
      fail('cost.usd', `must be a dollar amount with at most 6 decimals, up to ${MAX_USD}`);
    }
    if (cost.tokens !== undefined) checkNumber(cost.tokens, 'cost.tokens', { min: 0, integer: true });
  }
  if (r.idempotency_key !== undefined) {
    const key = checkString(r.idempotency_key, 'idempotency_key', { nonEmpty: true });
    if (key.length > MAX_IDEMPOTENCY_KEY) fail('idempotency_key', `is longer than ${MAX_IDEMPOTENCY_KEY} characters`);
  }
  if (r.delegation !== undefined) {
    const d = checkObject(r.delegation, 'delegation', ['depth', 'root', 'chain']);
    checkNumber(d.depth, 'delegation.depth', { min: 0, integer: true });
    checkString(d.root, 'delegation.root');
    if (!Array.isArray(d.chain) || d.chain.length > 64)
      fail('delegation.chain', 'must be an array of at most 64 strings');
    d.chain.forEach((id, i) => checkString(id, `delegation.chain[${i}]`));
  }
  if (r.facts !== undefined) checkFacts(r.facts);
}

function checkSpend(p: Record<string, unknown>, field: string): void {
  if (p.usd !== undefined && toMicros(checkNumber(p.usd, `${field}.usd`, { min: 0 })) === null)
    fail(`${field}.usd`, 'must be a dollar amount with at most 6 decimals');
  if (p.tokens !== undefined) checkNumber(p.tokens, `${field}.tokens`, { min: 0 });
}

function checkFacts(v: unknown): void {
  const f = checkObject(v, 'facts', ['trust', 'risk', 'suspended', 'spend', 'ledgers', 'rates', 'now']);
  if (f.trust !== undefined) checkNumber(f.trust, 'facts.trust');
  if (f.risk !== undefined) checkNumber(f.risk, 'facts.risk', { min: 0 });
  if (f.now !== undefined) checkNumber(f.now, 'facts.now');
  if (f.suspended !== undefined && typeof f.suspended !== 'boolean') fail('facts.suspended', 'must be a boolean');
  if (f.spend !== undefined) {
    const s = checkObject(f.spend, 'facts.spend', ['day', 'month']);
    for (const period of ['day', 'month'] as const) {
      if (s[period] === undefined) continue;
      const p = checkObject(s[period], `facts.spend.${period}`, ['usd', 'tokens']);
      checkSpend(p, `facts.spend.${period}`);
    }
  }
  if (f.ledgers !== undefined) {
    if (!isPlainObject(f.ledgers)) fail('facts.ledgers', 'must be an object of rule id to { usd, tokens }');
    for (const [id, ledger] of Object.entries(f.ledgers))
      checkSpend(checkObject(ledger, `facts.ledgers.${id}`, ['usd', 'tokens']), `facts.ledgers.${id}`);
  }
  if (f.rates !== undefined) {
    if (!isPlainObject(f.rates)) fail('facts.rates', 'must be an object of rule id to count');
    for (const [id, n] of Object.entries(f.rates)) checkNumber(n, `facts.rates.${id}`, { min: 0 });
  }
}

/** Null when the request is well formed, otherwise a message naming the field. */
export function requestProblem(r: unknown): string | null {
  try {
    checkRequest(r);
    return null;
  } catch (err) {
    if (err instanceof Invalid) return err.message;
    throw err;
  }
}
