/**
 * @module
 * `tollgate/client`: a typed client of the edge's HTTP API for agents and executors. It runs
 * unchanged in Node, browsers and Workers (it needs only `fetch` and WebCrypto).
 *
 * ```ts
 * const tollgate = new TollgateClient({ baseUrl: 'http://127.0.0.1:8787', token: agentToken });
 * const decision = await tollgate.decide({ action: 'llm.chat', resource: 'llm:openai', params: { model: 'gpt-4o-mini' } });
 * if (decision.decision === 'require_approval') await tollgate.waitForApproval(decision.approval!.id);
 * ```
 *
 * A 503 (the edge's state briefly unavailable) and a failure to connect are retried with
 * backoff; a decide is retried under one idempotency key, generated when the request has none,
 * so a retry can never decide twice. 4xx answers are thrown at once as `TollgateApiError`.
 */
import { createRemoteJWKSet, customFetch, type JWTVerifyGetKey } from 'jose';
import type { Decision } from '../engine/describe.js';
import type { JsonObject, JsonValue } from '../lib/json.js';
import { verifyTicket, type TicketClaims } from '../tokens/ticket.js';
import { TollgateApiError } from './errors.js';
import { DEFAULT_RETRY, send, sendJson, type RetryPolicy, type Transport } from './transport.js';

export { TollgateApiError, TollgateUnreachableError } from './errors.js';
export type { ApiErrorCode } from '../lib/api-errors.js';
export type { Decision, Reason } from '../engine/describe.js';
export type { TicketClaims } from '../tokens/ticket.js';
export type { RetryPolicy } from './transport.js';
export { guard, ToolDeniedError } from './guard.js';
export { gatewayTransport } from './mcp.js';
export type { GatewayTarget } from './mcp.js';
export type { GuardContext, GuardSpec } from './guard.js';

export interface ClientOptions {
  /** The edge, e.g. `https://tollgate.example.com`. */
  baseUrl: string;
  /** An agent token (agents), an executor's (role `executor`), or an operator's. */
  token: string;
  /** The `iss` of the edge's tickets (its `TICKET_ISSUER`), checked by `verifyTicket`; default `tollgate`. */
  ticketIssuer?: string;
  /** Another fetch (a Worker's service binding, a test's); default the global one. */
  fetch?: typeof fetch;
  retry?: Partial<RetryPolicy>;
}

/** A decision request (DESIGN §3): the agent comes from the token. */
export interface DecisionRequest {
  action: string;
  resource: string;
  params?: JsonObject;
  context?: JsonObject;
  cost?: { usd?: number; tokens?: number };
  /** Makes a retry safe: the same key and request get the first reply. One is made when absent. */
  idempotency_key?: string;
}

/** The edge's decision: the §3 decision, its audit position, a ticket on allow, the approval on require_approval. */
export type EdgeDecision = Decision & {
  audit?: { seq: number; hash: string };
  ticket?: string;
  approval?: { id: string; status: ApprovalStatus; expires_at: string };
};

export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'expired';

/** An approval as its agent reads it: what it amounts to now, and on approval the agent's ticket. */
export interface ApprovalReply {
  approval: { id: string; agent: string; status: ApprovalStatus; expires_at: number; [field: string]: JsonValue };
  decision: 'allow' | 'deny' | 'require_approval';
  reason?: string;
  ticket?: string;
}

/** What an executor is about to run, to hold its ticket against. */
export interface TicketedCall {
  ticket: string;
  action: string;
  resource: string;
  params?: JsonObject;
}

export interface Redemption {
  redeemed: true;
  jti: string;
  agent: string;
  tenant: string;
  action: string;
  resource: string;
  decision: string;
  policy_hash: string;
}

export type OutcomeKind = 'success' | 'failure' | 'exception' | 'violation';

/** The longest single wait the edge holds an approval read open for. */
const MAX_WAIT_SECONDS = 25;

export class TollgateClient {
  private readonly transport: Transport;
  private readonly ticketIssuer: string;
  private keys: JWTVerifyGetKey | null = null;

  constructor(options: ClientOptions) {
    this.transport = {
      baseUrl: options.baseUrl,
      token: options.token,
      fetch: options.fetch ?? ((input, init) => fetch(input, init)),
      retry: { ...DEFAULT_RETRY, ...options.retry },
    };
    this.ticketIssuer = options.ticketIssuer ?? 'tollgate';
  }

  /** Asks before acting. Retried under one idempotency key, so it never decides twice. */
  decide(request: DecisionRequest): Promise<EdgeDecision> {
    const body = { ...request, idempotency_key: request.idempotency_key ?? crypto.randomUUID() };
    return sendJson(this.transport, 'POST', '/v1/decide', body, true);
  }

  /** Asks for up to 100 requests at once, in order; each gets an idempotency key when it has none. */
  async decideBatch(requests: DecisionRequest[]): Promise<EdgeDecision[]> {
    const keyed = requests.map((r) => ({ ...r, idempotency_key: r.idempotency_key ?? crypto.randomUUID() }));
    return (
      await sendJson<{ results: EdgeDecision[] }>(this.transport, 'POST', '/v1/decide/batch', { requests: keyed }, true)
    ).results;
  }

  /** Reads an approval, holding the read open up to `waitSeconds` (at most 25) while it is pending. */
  approval(id: string, waitSeconds = 0): Promise<ApprovalReply> {
    const wait = Math.max(0, Math.min(MAX_WAIT_SECONDS, waitSeconds));
    return sendJson(this.transport, 'GET', `/v1/approvals/${encodeURIComponent(id)}?wait=${wait}`, undefined, true);
  }

  /**
   * Waits until a human settles the approval, or `timeoutMs` passes (default 10 minutes),
   * and returns it: `decision: 'allow'` with its ticket once approved, `'deny'` once denied or expired.
   */
  async waitForApproval(id: string, { timeoutMs = 600_000 }: { timeoutMs?: number } = {}): Promise<ApprovalReply> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const left = Math.ceil((deadline - Date.now()) / 1000);
      const reply = await this.approval(id, Math.max(0, Math.min(MAX_WAIT_SECONDS, left)));
      if (reply.approval.status !== 'pending' || Date.now() >= deadline) return reply;
    }
  }

  /** Lists the tenant's approvals (operator tokens), of one agent or all, by status. */
  async listApprovals(filter: { status?: ApprovalStatus; agent?: string } = {}): Promise<ApprovalReply['approval'][]> {
    const query = new URLSearchParams(Object.entries(filter).filter((e): e is [string, string] => e[1] !== undefined));
    const path = `/v1/approvals${query.size ? `?${query}` : ''}`;
    return (await sendJson<{ approvals: ApprovalReply['approval'][] }>(this.transport, 'GET', path, undefined, true))
      .approvals;
  }

  /**
   * Settles a pending approval as its human (operator tokens), with an optional note: the
   * waiting agent's long-poll returns at once. Not retried: a second try would meet a settled approval.
   */
  settleApproval(id: string, verdict: 'approve' | 'deny', note?: string): Promise<Pick<ApprovalReply, 'approval'>> {
    const path = `/v1/approvals/${encodeURIComponent(id)}/${verdict}`;
    return sendJson(this.transport, 'POST', path, note === undefined ? {} : { note }, false);
  }

  /** Redeems a ticket (executor tokens): once, for exactly what it was issued for. Never retried. */
  redeem(call: TicketedCall): Promise<Redemption> {
    return sendJson(this.transport, 'POST', '/v1/tickets/redeem', { params: {}, ...call }, false);
  }

  /** Reports how the decision's action went (the executor that redeemed its ticket, or an operator). */
  reportOutcome(report: {
    agent: string;
    decision: string;
    outcome: OutcomeKind;
    cost?: { usd?: number; tokens?: number };
  }): Promise<JsonObject> {
    // A report settles once: a retry after a lost answer gets 409, which says it was taken.
    return sendJson(this.transport, 'POST', '/v1/outcomes', report, true);
  }

  /**
   * Verifies a ticket here, against the edge's published keys (fetched once and cached; a
   * ticket signed with a key not seen yet refetches them, so rotation needs nothing), and
   * checks it was issued for exactly `expected` when given. Burning it still takes `redeem`.
   */
  async verifyTicket(ticket: string, expected?: Omit<TicketedCall, 'ticket' | 'params'>): Promise<TicketClaims> {
    const fetchKeys = this.transport.fetch;
    this.keys ??= createRemoteJWKSet(new URL('/.well-known/jwks.json', this.transport.baseUrl), {
      [customFetch]: (url, options) => fetchKeys(url, options as RequestInit),
      cacheMaxAge: 10 * 60_000,
      cooldownDuration: 1_000, // a ticket with an unseen kid refetches the keys at most once a second
    });
    const claims = await verifyTicket(ticket, this.keys, this.ticketIssuer);
    if (expected && (claims.action !== expected.action || claims.resource !== expected.resource))
      throw new TollgateApiError('ticket_mismatch', 'the ticket was issued for another action or resource', 403);
    return claims;
  }

  /** Sends a ticketed HTTP call through the egress proxy (executor tokens); the upstream's answer as it is. */
  proxy(call: {
    ticket: string;
    method: string;
    url: string;
    headers?: Record<string, string>;
    body?: string;
  }): Promise<Response> {
    return send(this.transport, 'POST', '/v1/proxy', call, false);
  }
}
