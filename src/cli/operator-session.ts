/**
 * @module
 * What CLI commands that act on a running edge as an operator share: the token to act with,
 * and turning the edge's refusals into usage errors that say what it answered.
 */
import { ensureDevKeys, mintDevToken } from './dev-keys.js';
import { EdgeApiError } from './pin-client.js';
import { UsageError } from './usage.js';

/** The local edge that `npm start` runs. */
export const LOCAL_EDGE = 'http://127.0.0.1:8787';

/** The operator token: --token, TOLLGATE_TOKEN, or (for the local edge) one minted with the dev key. */
export async function operatorToken(given: string | undefined, base: URL): Promise<string> {
  const token = given ?? process.env.TOLLGATE_TOKEN;
  if (token) return token;
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(base.hostname))
    throw new UsageError('an operator token is needed: --token T or TOLLGATE_TOKEN');
  const { key } = await ensureDevKeys();
  return mintDevToken(key, {
    agent: 'cli-operator',
    tenant: 'demo',
    roles: ['operator'],
    operator: true,
    ttlSeconds: 600,
  });
}

/** An edge call; what stops it is a usage error with the edge's reason. */
export async function api<T>(call: () => Promise<T>, base: URL): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof EdgeApiError) throw new UsageError(err.message);
    throw new UsageError(`${base.origin} did not answer (${(err as Error).message}); is the edge running (npm start)?`);
  }
}
