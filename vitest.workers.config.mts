/**
 * Tests that run inside workerd, against the Worker with its real Durable Objects. A fresh
 * Ed25519 key pair per run signs the test tokens; its public half is the Worker's JWKS.
 */
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { exportJWK, generateKeyPair } from 'jose';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
const kid = 'test-key-1';
const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' };
const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: 'EdDSA' };
// A second key pair signs bundles for embedders.
const bundleKey = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
const bundleJwk = { ...(await exportJWK(bundleKey.privateKey)), kid: 'bundle-key-1', alg: 'EdDSA' };
// And a third signs execution tickets.
const ticketKey = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
const ticketJwk = { ...(await exportJWK(ticketKey.privateKey)), kid: 'ticket-key-1', alg: 'EdDSA' };
// And a fourth signs audit checkpoints.
const auditKey = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
const auditJwk = { ...(await exportJWK(auditKey.privateKey)), kid: 'audit-key-1', alg: 'EdDSA' };
// The D1 schema, applied by test/edge/setup.ts before the tests run.
const migrations = await readD1Migrations('./src/audit/migrations');

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: './wrangler.toml' },
      miniflare: {
        bindings: {
          AUTH_ISSUER: 'tollgate-test',
          AUTH_JWKS: JSON.stringify({ keys: [publicJwk] }),
          TEST_SIGNING_JWK: JSON.stringify(privateJwk),
          BUNDLE_SIGNING_JWK: JSON.stringify(bundleJwk),
          TICKET_SIGNING_JWK: JSON.stringify(ticketJwk),
          AUDIT_SIGNING_JWK: JSON.stringify(auditJwk),
          AUDIT_DIGEST_KEY: crypto.randomUUID(),
          // The egress and MCP upstreams in policies/ are loopback servers (test/helpers/egress-upstream.ts, mcp-upstream.ts).
          LOCAL_DEVELOPMENT: 'true',
          DEMO_API_TOKEN: 'demo-api-secret',
          DEMO_MCP_TOKEN: 'demo-mcp-secret',
          TEST_MIGRATIONS: migrations,
        },
      },
    }),
  ],
  // The same mapping as wrangler.toml's [alias] (which the plugin does not apply).
  resolve: { alias: { 'tollgate:policies': fileURLToPath(new URL('./build/policies.bundle.mjs', import.meta.url)) } },
  test: {
    globalSetup: ['./test/helpers/egress-upstream.ts', './test/helpers/mcp-upstream.ts'],
    include: ['test/edge/**/*.test.ts'],
    setupFiles: ['./test/edge/setup.ts'],
    testTimeout: 60_000,
  },
});
