/**
 * @module
 * Each tenant's digester, keyed from the `AUDIT_DIGEST_KEY` Worker secret. Without the
 * secret nothing can be recorded safely, so nothing is decided: the call fails (503).
 */
import { tenantDigestKey, ValueDigester } from '../../audit/digest.js';
import type { Env } from '../env.js';

/** Digesters by secret and tenant (a tenant's key is derived once per isolate). */
const digesters = new Map<string, ValueDigester>();

export function tenantDigester(env: Env, tenant: string): ValueDigester {
  const secret = env.AUDIT_DIGEST_KEY;
  if (!secret) throw new Error('AUDIT_DIGEST_KEY is not configured: the audit cannot keep params safely');
  const id = JSON.stringify([secret, tenant]);
  let digester = digesters.get(id);
  if (!digester) digesters.set(id, (digester = new ValueDigester(tenantDigestKey(secret, tenant))));
  return digester;
}
