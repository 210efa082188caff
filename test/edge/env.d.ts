// The bindings the edge tests see through `cloudflare:test`.
declare namespace Cloudflare {
  interface Env {
    AGENTS: DurableObjectNamespace<import('../../src/worker/agent-object.js').AgentObject>;
    TENANTS: DurableObjectNamespace<import('../../src/worker/tenant-object.js').TenantObject>;
    AUTH_JWKS: string;
    AUTH_ISSUER: string;
    AUTH_AUDIENCE: string;
    /** A private JWK (JSON) matching AUTH_JWKS, for minting test tokens. */
    TEST_SIGNING_JWK: string;
    BUNDLE_SIGNING_JWK: string;
    TICKET_SIGNING_JWK: string;
    TICKET_ISSUER: string;
    AUDIT_SIGNING_JWK: string;
    AUDIT_DIGEST_KEY: string;
    AUDIT_BUCKET: R2Bucket;
    AUDIT_DB: D1Database;
    /** The D1 migrations of src/audit/migrations, read by the test config. */
    TEST_MIGRATIONS: import('cloudflare:test').D1Migration[];
  }
}
