/**
 * Test tokens, signed with the run's key (see vitest.workers.config.mts).
 */
import { env } from 'cloudflare:test';
import { importJWK, SignJWT, type JWTPayload } from 'jose';

export async function token(
  claims: JWTPayload & { typ?: string } = {},
  header: Record<string, unknown> = {},
): Promise<string> {
  const jwk = JSON.parse(env.TEST_SIGNING_JWK);
  const key = await importJWK(jwk, 'EdDSA');
  const { typ = 'tollgate-agent+jwt', ...payload } = claims;
  // Claims given by the caller win over the defaults, so tests can send wrong ones.
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    tenant: 'acme',
    iss: env.AUTH_ISSUER,
    aud: env.AUTH_AUDIENCE,
    iat: now,
    exp: now + 600,
    ...payload,
  })
    .setProtectedHeader({ alg: 'EdDSA', kid: jwk.kid, typ, ...header })
    .sign(key);
}

export function agentToken(sub: string, roles: string[] = []): Promise<string> {
  return token({ sub, roles });
}

export function operatorToken(sub = 'ops-1', role = 'operator'): Promise<string> {
  return token({ sub, role, typ: 'tollgate-operator+jwt' });
}
