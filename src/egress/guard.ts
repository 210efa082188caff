/**
 * @module
 * The SSRF guard on every URL Tollgate calls out to (MCP upstreams, the egress proxy):
 * http(s) only, no credentials in the URL, and no private, loopback (outside local
 * development), link-local, metadata, multicast or reserved address, whether the URL names
 * it as a literal (in any of the forms URL parsing accepts), by a name that means it, or
 * through the DNS answers where the platform exposes them. `guardedFetch` also refuses a
 * redirect to another origin, and checks each same-origin hop again.
 *
 * Where DNS is not visible (Workers), a name is checked by its text only; a name that
 * resolves to a private address there is left to the platform, which does not route
 * Worker subrequests to private networks.
 */
import { TollgateError } from '../lib/errors.js';
import { classifyAddress, type AddressClass } from './addresses.js';

export interface EgressPolicy {
  /** Local development: loopback addresses (and `localhost`) are allowed, over http too. */
  allowLoopback?: boolean;
  /** The addresses a host name resolves to, where the platform can say (Node's `dns.lookup`). */
  resolve?: (host: string) => Promise<string[]>;
}

/** Why a URL was refused. */
export class EgressRefused extends TollgateError<'egress_refused'> {
  constructor(message: string) {
    super('egress_refused', message);
    this.name = 'EgressRefused';
  }
}

/** Names that mean an internal address whatever the DNS says. */
const INTERNAL_NAMES = ['metadata.google.internal', 'metadata.goog', 'metadata', 'instance-data'];
const INTERNAL_SUFFIXES = ['.internal', '.local', '.localdomain', '.home.arpa'];

const CLASS_TEXT: Record<Exclude<AddressClass, 'public'>, string> = {
  private: 'a private address',
  loopback: 'a loopback address (allowed in local development only)',
  link_local: 'a link-local address',
  metadata: "a cloud metadata service's address",
  unspecified: 'the unspecified address',
  multicast: 'a multicast address',
  reserved: 'a reserved address',
};

/** Why an address of this class is not reachable, or null when it is. */
function classProblem(kind: AddressClass, host: string, policy: EgressPolicy): string | null {
  if (kind === 'public' || (kind === 'loopback' && policy.allowLoopback)) return null;
  return `${host} is ${CLASS_TEXT[kind]}`;
}

/** The host's class from its text alone: an IP literal, a loopback or internal name, or (for any other name) null. */
function classifyHost(hostname: string): AddressClass | null {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  const literal = classifyAddress(host);
  if (literal !== null) return literal;
  if (host === 'localhost' || host.endsWith('.localhost')) return 'loopback';
  if (INTERNAL_NAMES.includes(host)) return 'metadata';
  if (INTERNAL_SUFFIXES.some((suffix) => host.endsWith(suffix))) return 'private';
  return null;
}

/**
 * What is wrong with a URL as an egress target, from its text alone (no DNS), or null.
 * The policy checker uses it for declared upstreams; `checkEgressUrl` adds the DNS answers.
 */
export function egressUrlProblem(target: string | URL, policy: EgressPolicy = {}): string | null {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return `'${String(target).slice(0, 200)}' is not a URL`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `${url.protocol} URLs are not allowed`;
  if (url.username || url.password) return 'a URL may not carry credentials';
  const kind = classifyHost(url.hostname);
  const problem = kind === null ? null : classProblem(kind, url.hostname, policy);
  if (problem !== null) return problem;
  if (url.protocol === 'http:' && kind !== 'loopback') return `${url.hostname} must be reached over https`;
  return null;
}

/**
 * Checks a URL before any request is made to it, and every address its host resolves to
 * where the policy can resolve names; returns it parsed. Throws `EgressRefused` (code
 * `egress_refused`) naming what is wrong.
 */
export async function checkEgressUrl(target: string | URL, policy: EgressPolicy = {}): Promise<URL> {
  const problem = egressUrlProblem(target, policy);
  if (problem !== null) throw new EgressRefused(problem);
  const url = new URL(target);
  if (classifyHost(url.hostname) === null && policy.resolve) {
    const answers = await policy.resolve(url.hostname);
    if (answers.length === 0) throw new EgressRefused(`${url.hostname} does not resolve`);
    for (const address of answers) {
      const answerProblem = classProblem(
        classifyAddress(address) ?? 'reserved',
        `${url.hostname} (${address})`,
        policy,
      );
      if (answerProblem !== null) throw new EgressRefused(answerProblem);
    }
  }
  return url;
}

/** How many same-origin redirects `guardedFetch` follows. */
export const MAX_REDIRECTS = 5;

/**
 * `fetch` behind the guard: the URL is checked first, redirects are never followed by the
 * platform, a redirect to another origin is refused, and a same-origin one is checked and
 * followed (at most `MAX_REDIRECTS`).
 */
export async function guardedFetch(
  target: string | URL,
  init: RequestInit = {},
  policy: EgressPolicy = {},
  fetcher: typeof fetch = fetch,
): Promise<Response> {
  let url = await checkEgressUrl(target, policy);
  for (let hop = 0; ; hop++) {
    const response = await fetcher(url, { ...init, redirect: 'manual' });
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || location === null) return response;
    const next = new URL(location, url);
    if (next.origin !== url.origin)
      throw new EgressRefused(`a redirect to another origin (${next.origin}) is not followed`);
    if (hop + 1 > MAX_REDIRECTS) throw new EgressRefused(`more than ${MAX_REDIRECTS} redirects`);
    url = await checkEgressUrl(next, policy);
  }
}
