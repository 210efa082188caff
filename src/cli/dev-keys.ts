/**
 * @module
 * Local development keys: an Ed25519 key pair made on first use. The private half stays in
 * `.tollgate/dev-key.json`; the public JWKS goes into `.dev.vars` as AUTH_JWKS, which
 * `wrangler dev` reads. Both files are git-ignored.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import { toBase64 } from '../lib/encoding.js';

export const DEV_KEY_FILE = '.tollgate/dev-key.json';
export const DEV_VARS_FILE = '.dev.vars';
export const DEV_ISSUER = 'tollgate-dev';
export const DEV_AUDIENCE = 'tollgate';

export interface DevKey {
  /** Signs dev tokens; its public half is AUTH_JWKS. */
  privateJwk: JWK;
  publicJwk: JWK;
  /** Signs bundles for embedders (BUNDLE_SIGNING_JWK). */
  bundleJwk: JWK;
  /** Signs execution tickets (TICKET_SIGNING_JWK). */
  ticketJwk: JWK;
  /** Signs audit checkpoints (AUDIT_SIGNING_JWK). */
  auditJwk: JWK;
  /** The secret tenants' audit digest keys derive from (AUDIT_DIGEST_KEY). */
  auditDigestKey: string;
}

async function newPair(purpose: string): Promise<{ privateJwk: JWK; publicJwk: JWK }> {
  const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const kid = `dev-${purpose}-${new Date().toISOString().slice(0, 10)}-${crypto.randomUUID().slice(0, 8)}`;
  return {
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg: 'EdDSA' },
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' },
  };
}

/**
 * The local-development variables: loopback upstreams are allowed, and the demo upstreams'
 * secrets (which the gateway and the egress proxy inject; the demo MCP upstream checks its own).
 */
const localVariables = (): Record<string, string> => ({
  AUTH_ISSUER: DEV_ISSUER,
  LOCAL_DEVELOPMENT: 'true',
  DEMO_API_TOKEN: `demo-api-${crypto.randomUUID()}`,
  DEMO_MCP_TOKEN: `demo-mcp-${crypto.randomUUID()}`,
});

/** The variables `.dev.vars` sets (its `NAME='value'` lines). */
export function readDevVars(): Record<string, string> {
  const vars: Record<string, string> = {};
  if (!existsSync(DEV_VARS_FILE)) return vars;
  for (const line of readFileSync(DEV_VARS_FILE, 'utf8').split('\n')) {
    const m = /^([A-Z][A-Z0-9_]*)='(.*)'$/.exec(line.trim());
    if (m) vars[m[1]] = m[2];
  }
  return vars;
}

/** Appends the local-development variables a checkout's `.dev.vars` predates. */
function addMissingLocalVariables(): void {
  const present = readDevVars();
  for (const [name, value] of Object.entries(localVariables()))
    if (!(name in present)) appendFileSync(DEV_VARS_FILE, `${name}='${value}'\n`);
}

/** The dev keys, created (with `.dev.vars`) when missing. Returns whether they were created. */
export async function ensureDevKeys(): Promise<{ key: DevKey; created: boolean }> {
  if (existsSync(DEV_KEY_FILE) && existsSync(DEV_VARS_FILE)) {
    const key = JSON.parse(readFileSync(DEV_KEY_FILE, 'utf8')) as DevKey;
    if (
      key.bundleJwk &&
      key.ticketJwk &&
      key.auditJwk &&
      key.auditDigestKey &&
      readFileSync(DEV_VARS_FILE, 'utf8').includes('AUDIT_DIGEST_KEY')
    ) {
      addMissingLocalVariables();
      return { key, created: false };
    }
  }
  const auth = await newPair('auth');
  const digestBytes = crypto.getRandomValues(new Uint8Array(32));
  const auditDigestKey = toBase64(digestBytes);
  const key: DevKey = {
    ...auth,
    bundleJwk: (await newPair('bundle')).privateJwk,
    ticketJwk: (await newPair('ticket')).privateJwk,
    auditJwk: (await newPair('audit')).privateJwk,
    auditDigestKey,
  };
  mkdirSync('.tollgate', { recursive: true });
  writeFileSync(DEV_KEY_FILE, JSON.stringify(key, null, 2), { mode: 0o600 });
  writeFileSync(
    DEV_VARS_FILE,
    `# Local development only; made by tollgate on first run.\nAUTH_JWKS='${JSON.stringify({ keys: [key.publicJwk] })}'\nBUNDLE_SIGNING_JWK='${JSON.stringify(key.bundleJwk)}'\nTICKET_SIGNING_JWK='${JSON.stringify(key.ticketJwk)}'\nAUDIT_SIGNING_JWK='${JSON.stringify(key.auditJwk)}'\nAUDIT_DIGEST_KEY='${key.auditDigestKey}'\n`,
    { mode: 0o600 },
  );
  addMissingLocalVariables();
  return { key, created: true };
}

export interface TokenOptions {
  agent: string;
  tenant: string;
  roles: string[];
  operator: boolean;
  ttlSeconds: number;
  /** A one-time console sign-in link's token (`once: true`, with a `jti`): it signs in once. */
  oneTime?: boolean;
}

/** Mints an agent or operator token with the dev key. */
export async function mintDevToken(key: DevKey, opts: TokenOptions): Promise<string> {
  const claims = opts.operator
    ? { tenant: opts.tenant, role: opts.roles[0] ?? 'operator' }
    : { tenant: opts.tenant, roles: opts.roles };
  const once = opts.oneTime ? { once: true, jti: crypto.randomUUID() } : {};
  return new SignJWT({ ...claims, ...once })
    .setProtectedHeader({
      alg: 'EdDSA',
      kid: key.privateJwk.kid,
      typ: opts.operator ? 'tollgate-operator+jwt' : 'tollgate-agent+jwt',
    })
    .setSubject(opts.agent)
    .setIssuer(DEV_ISSUER)
    .setAudience(DEV_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + opts.ttlSeconds)
    .sign(await importJWK(key.privateJwk, 'EdDSA'));
}
