/**
 * @module
 * The policy in force (`GET /v1/policy`: hash, version, mode, rules, the registry's actions
 * and the catalogue's resources), its shadowed rules' flips (`GET /v1/policy/shadow`), and
 * the signed bundle embedders load (`GET /v1/policy/bundle`).
 */
import { Hono } from 'hono';
import { signBundle, type SignedBundle } from '../../tokens/signed-bundle.js';
import type { AppEnv } from '../env.js';
import { ApiError } from '../errors.js';
import { signingKey } from '../keys.js';
import { operatorCaller } from '../principal.js';
import { POLICY_BUNDLE, POLICY_CATALOGUE, POLICY_VERSION, policyHash, policyInfo } from '../policy-source.js';
import { shadowFlips } from './shadow-flips.js';

let signed: Promise<SignedBundle> | null = null;

export const policyRoutes = new Hono<AppEnv>()
  .get('/policy', (c) =>
    c.json({
      hash: policyHash,
      version: POLICY_VERSION,
      mode: policyInfo.mode,
      registry: policyInfo.registry,
      rules: policyInfo.rules.map((r) => ({
        id: r.id,
        effect: r.effect,
        mode: r.mode ?? policyInfo.mode,
        reason: r.reason,
      })),
      actions: POLICY_CATALOGUE.actions,
      resources: POLICY_CATALOGUE.resources,
    }),
  )
  .get('/policy/shadow', async (c) => {
    const { tenant } = operatorCaller(c);
    return c.json(await shadowFlips(c.env.AUDIT_DB, tenant, Date.now()));
  })
  .get('/policy/bundle', async (c) => {
    const key = signingKey(c.env, 'BUNDLE_SIGNING_JWK');
    if (!key)
      throw new ApiError('unavailable', 'bundle signing is not configured (BUNDLE_SIGNING_JWK)', {
        retryAfterSeconds: 30,
      });
    signed ??= signBundle(POLICY_BUNDLE, POLICY_VERSION, key);
    return c.json(await signed);
  });
