/**
 * @module
 * The Worker's bindings and variables (see `wrangler.toml` and `.dev.vars`).
 */
import type { Context } from 'hono';
import type { AgentObject } from './agent-object.js';
import type { TenantObject } from './tenant-object.js';
import type { Principal } from './auth.js';

export interface Env {
  AGENTS: DurableObjectNamespace<AgentObject>;
  /** What spans a tenant's agents (revocations, agents with unflushed audit records): one object per tenant. */
  TENANTS: DurableObjectNamespace<TenantObject>;
  /** The JWKS (JSON) that agent and operator tokens must verify against. */
  AUTH_JWKS: string;
  AUTH_ISSUER: string;
  AUTH_AUDIENCE: string;
  /** The private Ed25519 JWK (JSON) that signs execution tickets; without it, allows carry none. */
  TICKET_SIGNING_JWK?: string;
  /** Public JWKs (JSON array) of retired signing keys, still published until what they signed expires. */
  RETIRED_JWKS?: string;
  /** The `iss` of tickets. */
  TICKET_ISSUER: string;
  /** The private Ed25519 JWK (JSON) that signs bundles for embedders. */
  BUNDLE_SIGNING_JWK?: string;
  /** Audit segments (NDJSON) and their checkpoints. */
  AUDIT_BUCKET: R2Bucket;
  /** The audit index. */
  AUDIT_DB: D1Database;
  /** The private Ed25519 JWK (JSON) that signs audit checkpoints; without it, records wait in the Durable Object. */
  AUDIT_SIGNING_JWK?: string;
  /** The secret each tenant's audit digest key is derived from (HMAC-SHA-256); without it nothing is decided. */
  AUDIT_DIGEST_KEY?: string;
  /** Where new approvals are announced (POST, JSON); none when unset. */
  APPROVAL_WEBHOOK_URL?: string;
  /** The HMAC-SHA256 key that signs webhook bodies (`X-Tollgate-Signature`). */
  APPROVAL_WEBHOOK_SECRET?: string;
  /** "true" in local development only (`.dev.vars`): the egress proxy may reach loopback upstreams. */
  LOCAL_DEVELOPMENT?: string;
  /** "on" serves POST /v1/echo, the edge benchmark's baseline. */
  ECHO_ROUTE?: string;
}

/** Hono's context variables. */
export interface Variables {
  requestId: string;
  /** The verified caller, set by the `authenticated` middleware. */
  principal: Principal;
}

/** The Worker's Hono environment. */
export type AppEnv = { Bindings: Env; Variables: Variables };

/** A request's Hono context in this Worker. */
export type AppContext = Context<AppEnv>;
