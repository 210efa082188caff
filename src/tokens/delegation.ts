/**
 * @module
 * Delegation tokens: an agent hands a child agent a subset of its own rights. Each token
 * carries every link of its chain (who delegated what to whom), an RFC 8693 `act` chain,
 * the chain's depth, root and members, and a trust ceiling. Rights only narrow: actions
 * and resources are globs that must fit inside the delegator's, roles a subset, the
 * budget no higher, the expiry no later, the depth within the policy's limit, and no agent
 * may appear twice in a chain.
 */
import { createLocalJWKSet, jwtVerify, SignJWT, type JSONWebKeySet, type JWK } from 'jose';
import { globProblem, globMatch } from '../policy/glob.js';
import { globsSubset } from '../policy/glob-subset.js';
import { eddsaSigningKey } from './private-key.js';

export const DELEGATION_TYPE = 'tollgate-delegation+jwt';
const MAX_GLOBS = 32;

/** One delegation in a chain: what `agent` was given, by the link before it. */
export interface DelegationLink {
  jti: string;
  agent: string;
  actions: string[];
  resources: string[];
  roles: string[];
  /** USD per UTC day; null for no cap. */
  budget_usd: number | null;
  exp: number;
}

/** What an agent may do, and where it stands in a delegation chain (depth 0: its own token). */
export interface Rights {
  agent: string;
  tenant: string;
  roles: string[];
  exp: number;
  depth: number;
  root: string;
  /** The agents before this one, root first. */
  chain: string[];
  /** Every delegation from the root to this agent; empty for a root agent. */
  links: DelegationLink[];
  /** RFC 8693: the delegator, with its own delegator nested inside. */
  act: { sub: string; act?: unknown } | null;
  trustCeiling: number | null;
}

/** A child's requested rights; omitted fields keep the delegator's. */
export interface DelegationAsk {
  /** The child's name under its delegator: the child's id is `<delegator id>/<name>`. */
  name: string;
  actions?: string[];
  resources?: string[];
  roles?: string[];
  budget_usd?: number;
  /** Seconds from now; by default the delegator's remaining lifetime, at most an hour. */
  ttl_seconds?: number;
}

export type Narrowed =
  { ok: true; child: Omit<Rights, 'trustCeiling'> & { link: DelegationLink } } | { ok: false; message: string };

/** The rights of an agent holding its own (undelegated) token. */
export function rootRights(agent: { id: string; tenant: string; roles: string[]; exp: number }): Rights {
  return {
    agent: agent.id,
    tenant: agent.tenant,
    roles: agent.roles,
    exp: agent.exp,
    depth: 0,
    root: agent.id,
    chain: [],
    links: [],
    act: null,
    trustCeiling: null,
  };
}

/** The globs a chain allows: the last link's (each link already fits inside the one before). */
function current(rights: Rights): { actions: string[]; resources: string[]; budget: number | null } {
  const last = rights.links.at(-1);
  const budgets = rights.links.map((l) => l.budget_usd).filter((b): b is number => b !== null);
  return {
    actions: last?.actions ?? ['**'],
    resources: last?.resources ?? ['**'],
    budget: budgets.length > 0 ? Math.min(...budgets) : null,
  };
}

function globList(field: string, value: unknown): string | null {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_GLOBS)
    return `${field}: must be a list of 1 to ${MAX_GLOBS} globs`;
  for (const [i, g] of value.entries()) {
    if (typeof g !== 'string') return `${field}[${i}]: must be a string`;
    const problem = globProblem(g);
    if (problem) return `${field}[${i}]: ${problem}`;
  }
  return null;
}

/** A malformed ask (400), naming the field; null when well formed. */
export function askProblem(ask: Record<string, unknown>): string | null {
  for (const key of Object.keys(ask)) {
    if (!['name', 'actions', 'resources', 'roles', 'budget_usd', 'ttl_seconds'].includes(key))
      return `${key}: is not a known field (expected name, actions, resources, roles, budget_usd, ttl_seconds)`;
  }
  if (
    typeof ask.name !== 'string' ||
    ask.name === '' ||
    ask.name.length > 256 ||
    ask.name.includes('/') ||
    !ask.name.isWellFormed()
  ) {
    return "name: must be the child's name under its delegator, 1 to 256 characters without '/'";
  }
  for (const field of ['actions', 'resources'] as const)
    if (ask[field] !== undefined) {
      const problem = globList(field, ask[field]);
      if (problem) return problem;
    }
  if (ask.roles !== undefined && (!Array.isArray(ask.roles) || !ask.roles.every((r) => typeof r === 'string')))
    return 'roles: must be a list of strings';
  if (
    ask.budget_usd !== undefined &&
    (typeof ask.budget_usd !== 'number' || !Number.isFinite(ask.budget_usd) || ask.budget_usd < 0)
  )
    return 'budget_usd: must be a finite number of at least 0';
  if (ask.ttl_seconds !== undefined && (!Number.isSafeInteger(ask.ttl_seconds) || (ask.ttl_seconds as number) < 1))
    return 'ttl_seconds: must be a whole number of seconds, at least 1';
  return null;
}

/**
 * The child's rights, or why the ask would widen the delegator's (`delegation_invalid`).
 * The ask must be well formed (`askProblem`).
 */
export function narrow(parent: Rights, ask: DelegationAsk, maxDepth: number, nowSeconds: number): Narrowed {
  const fail = (message: string): Narrowed => ({ ok: false, message });
  // INVARIANT: a child's id extends its delegator's, so it can never equal an agent of its own chain, nor a root agent's.
  const agent = `${parent.agent}/${ask.name}`;
  const depth = parent.depth + 1;
  if (depth > maxDepth) return fail(`the chain would be ${depth} deep; the policy allows at most ${maxDepth}`);
  const own = current(parent);
  const actions = ask.actions ?? own.actions;
  const resources = ask.resources ?? own.resources;
  if (!globsSubset(actions, own.actions))
    return fail(`actions: ${JSON.stringify(actions)} is not within the delegator's ${JSON.stringify(own.actions)}`);
  if (!globsSubset(resources, own.resources))
    return fail(
      `resources: ${JSON.stringify(resources)} is not within the delegator's ${JSON.stringify(own.resources)}`,
    );
  const roles = ask.roles ?? parent.roles;
  const extra = roles.filter((r) => !parent.roles.includes(r));
  if (extra.length > 0) return fail(`roles: the delegator does not hold ${extra.map((r) => `'${r}'`).join(', ')}`);
  if (ask.budget_usd !== undefined && own.budget !== null && ask.budget_usd > own.budget)
    return fail(`budget_usd: ${ask.budget_usd} is above the delegator's ${own.budget}`);
  const exp = ask.ttl_seconds !== undefined ? nowSeconds + ask.ttl_seconds : Math.min(parent.exp, nowSeconds + 3600);
  if (exp > parent.exp)
    return fail(
      `ttl_seconds: the delegation would outlive the delegator's own token (expires at ${new Date(parent.exp * 1000).toISOString()})`,
    );
  const link: DelegationLink = {
    jti: crypto.randomUUID(),
    agent,
    actions,
    resources,
    roles,
    budget_usd: ask.budget_usd ?? own.budget,
    exp,
  };
  return {
    ok: true,
    child: {
      agent,
      tenant: parent.tenant,
      roles,
      exp,
      depth,
      root: parent.root,
      chain: [...parent.chain, parent.agent],
      links: [...parent.links, link],
      act: parent.act ? { sub: parent.agent, act: parent.act } : { sub: parent.agent },
      link,
    },
  };
}

/** Null when every link of the chain allows the action and the resource; otherwise which does not. */
export function outsideChain(links: readonly DelegationLink[], action: string, resource: string): string | null {
  for (const link of links) {
    if (!link.actions.some((g) => globMatch(g, action)))
      return `action '${action}' is outside what was delegated to '${link.agent}'`;
    if (!link.resources.some((g) => globMatch(g, resource)))
      return `resource '${resource}' is outside what was delegated to '${link.agent}'`;
  }
  return null;
}

function requiredTenant(tenant: unknown): string {
  if (typeof tenant !== 'string' || tenant === '') throw new Error('claim tenant must be a non-empty string');
  return tenant;
}

/** Signs a child's delegation token. */
export async function signDelegation(
  child: Omit<Rights, 'trustCeiling'> & { link: DelegationLink },
  trustCeiling: number,
  key: JWK,
  issuer: string,
  audience: string,
  nowSeconds: number,
): Promise<string> {
  return new SignJWT({
    tenant: child.tenant,
    roles: child.roles,
    act: child.act,
    delegation: { depth: child.depth, root: child.root, chain: child.chain },
    links: child.links,
    trust_ceiling: trustCeiling,
  } as Record<string, unknown>)
    .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: DELEGATION_TYPE })
    .setSubject(child.agent)
    .setIssuer(issuer)
    .setAudience(audience)
    .setIssuedAt(nowSeconds)
    .setExpirationTime(child.exp)
    .setJti(child.link.jti)
    .sign(await eddsaSigningKey(key));
}

/** A delegation token's rights, verified against Tollgate's own keys; throws on anything wrong. */
export async function verifyDelegation(
  token: string,
  jwks: JSONWebKeySet,
  issuer: string,
  audience: string,
): Promise<Rights> {
  const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), {
    algorithms: ['EdDSA'],
    typ: DELEGATION_TYPE,
    issuer,
    audience,
    requiredClaims: ['exp', 'sub', 'jti', 'iss', 'aud'],
  });
  const delegation = payload.delegation as { depth?: unknown; root?: unknown; chain?: unknown } | undefined;
  const links = payload.links as DelegationLink[] | undefined;
  if (
    !delegation ||
    typeof delegation.depth !== 'number' ||
    typeof delegation.root !== 'string' ||
    !Array.isArray(delegation.chain) ||
    !Array.isArray(links) ||
    links.length !== delegation.depth
  ) {
    throw new Error('delegation claims are malformed');
  }
  return {
    agent: payload.sub!,
    tenant: requiredTenant(payload.tenant),
    roles: Array.isArray(payload.roles) ? (payload.roles as string[]) : [],
    exp: payload.exp!,
    depth: delegation.depth,
    root: delegation.root,
    chain: delegation.chain as string[],
    links,
    act: (payload.act as Rights['act']) ?? null,
    trustCeiling: typeof payload.trust_ceiling === 'number' ? payload.trust_ceiling : null,
  };
}
