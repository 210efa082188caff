/**
 * @module
 * `POST /v1/introspect` (RFC 7662): is this token active, and what does it say? For agent
 * and operator tokens, delegation tokens (inactive once any link is revoked) and execution
 * tickets. Only operators and executors may ask; an inactive or unknown token is
 * `{ "active": false }`, never an error.
 */
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { verifyTicket } from '../../tokens/ticket.js';
import { agentStub } from '../agents.js';
import { authenticate, type AuthConfig, type Principal } from '../auth.js';
import type { AppContext } from '../env.js';
import { readJsonObject, readText } from '../body.js';
import { ApiError } from '../errors.js';
import { publicJwks } from '../keys.js';
import { revocationKeys, tenantStub } from '../tenant-object.js';

/** The token to introspect, from a form body (RFC 7662) or JSON. */
async function tokenParam(c: AppContext): Promise<string> {
  const type = c.req.header('content-type') ?? '';
  let token: unknown;
  if (type.startsWith('application/x-www-form-urlencoded')) token = new URLSearchParams(await readText(c)).get('token');
  else if (type.startsWith('application/json')) token = (await readJsonObject(c)).token;
  else
    throw new ApiError(
      'invalid_request',
      'content-type: must be application/x-www-form-urlencoded (RFC 7662) or application/json',
    );
  if (typeof token !== 'string' || token.length === 0 || token.length > 8192)
    throw new ApiError('invalid_request', 'token: must be a non-empty string of at most 8192 characters');
  return token;
}

export async function introspect(c: AppContext, caller: Principal, auth: AuthConfig): Promise<Response> {
  if (!(caller.kind === 'operator' || caller.roles.includes('executor')))
    throw new ApiError('forbidden', 'introspection is for operator and executor tokens');
  const token = await tokenParam(c);
  const inactive = () => c.json({ active: false });
  const [header] = token.split('.');
  let typ: unknown;
  try {
    typ = decodeProtectedHeader(token).typ;
  } catch {
    return inactive();
  }
  if (typ === 'tollgate-ticket+jwt') {
    try {
      const claims = await verifyTicket(token, publicJwks(c.env), c.env.TICKET_ISSUER);
      if (claims.tenant !== caller.tenant) return inactive();
      const redeemed = await agentStub(c.env, claims.tenant, claims.sub).ticketRedeemed(claims.jti);
      if (redeemed) return inactive();
      return c.json({
        active: true,
        token_type: 'ticket',
        sub: claims.sub,
        tenant: claims.tenant,
        action: claims.action,
        resource: claims.resource,
        params_hash: claims.params_hash,
        policy_hash: claims.policy_hash,
        decision: claims.decision,
        jti: claims.jti,
        iat: claims.iat,
        exp: claims.exp,
        iss: claims.iss,
      });
    } catch {
      return inactive();
    }
  }
  try {
    const subject = await authenticate(`Bearer ${token}`, auth);
    if (subject.tenant !== caller.tenant) return inactive();
    const { exp, iat } = decodeJwt(token);
    if (subject.kind === 'agent' && (await tenantStub(c.env, subject.tenant).firstRevoked(revocationKeys(subject))))
      return inactive();
    if (subject.kind === 'agent' && subject.delegation) {
      const d = subject.delegation;
      const link = d.links.at(-1)!;
      return c.json({
        active: true,
        token_type: 'delegation',
        sub: subject.id,
        tenant: subject.tenant,
        roles: subject.roles,
        act: d.act,
        jti: link.jti,
        delegation: { depth: d.depth, root: d.root, chain: d.chain },
        actions: link.actions,
        resources: link.resources,
        budget_usd: link.budget_usd,
        trust_ceiling: d.trustCeiling,
        iat,
        exp,
        iss: auth.tollgate.issuer,
        aud: auth.audience,
      });
    }
    return c.json(
      subject.kind === 'agent'
        ? {
            active: true,
            token_type: 'agent',
            sub: subject.id,
            tenant: subject.tenant,
            roles: subject.roles,
            iat,
            exp,
            iss: auth.issuer,
            aud: auth.audience,
          }
        : {
            active: true,
            token_type: 'operator',
            sub: subject.id,
            tenant: subject.tenant,
            role: subject.role,
            iat,
            exp,
            iss: auth.issuer,
            aud: auth.audience,
          },
    );
  } catch {
    return inactive();
  }
}
