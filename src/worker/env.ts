/**
 * @module
 * The Worker's bindings and variables (see `wrangler.toml` and `.dev.vars`).
 */
import type { Context } from 'hono';
import type { ToolStanding } from '../mcp/serving.js';
import type { TenantHalt, ToolRef } from './tenant-object.js';
import type { Principal } from './auth.js';

/**
 * The Worker's bindings. What wrangler.toml declares (bindings, vars and the required secrets)
 * is generated into `worker-configuration.d.ts` by `npm run types` (`wrangler types`); the
 * optional settings, which the Worker works without, are declared here.
 */
export interface Env extends Cloudflare.Env {
  /** Public JWKs (JSON array) of retired signing keys, still published until what they signed expires. */
  RETIRED_JWKS?: string;
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
  /** For an agent's call: the tenant-wide halt, if one stands (every agent of the tenant is then suspended). */
  halt: TenantHalt | null;
  /** A gateway `tools/call`'s tool as its headers name it, set before authentication (`mcp/catalog.ts`). */
  toolAsked?: ToolRef;
  /** That tool's standing, asked of the tenant's object with the caller's own. */
  toolStanding?: ToolRef & { standing: ToolStanding };
}

/** The Worker's Hono environment. */
export type AppEnv = { Bindings: Env; Variables: Variables };

/** A request's Hono context in this Worker. */
export type AppContext = Context<AppEnv>;
