/**
 * Test tokens, signed with the run's key (see vitest.workers.config.mts).
 */
import { env } from 'cloudflare:test';
import { importJWK, SignJWT, type JWTPayload } from 'jose';

export async function token(claims: JWTPayload & { typ?: string } = {}, header: Record<string, unknown> = {}): Promise<string> {
  const jwk = JSON.parse(env.TEST_SIGNING_JWK);
  const key = await importJWK(jwk, 'EdDSA');
  const { typ = 'tollgate-agent+jwt', ...payload } = claims;
  return new SignJWT({ tenant: 'acme', ...payload })
    .setProtectedHeader({ alg: 'EdDSA', kid: jwk.kid, typ, ...header })
    .setIssuer(env.AUTH_ISSUER)
    .setAudience(env.AUTH_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(key);
}

export function agentToken(sub: string, roles: string[] = []): Promise<string> {
  return token({ sub, roles });
}

export function operatorToken(sub = 'ops-1', role = 'operator'): Promise<string> {
  return token({ sub, role, typ: 'tollgate-operator+jwt' });
}
