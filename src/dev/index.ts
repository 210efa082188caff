/**
 * @module
 * Local development tokens, in code: what `tollgate token` prints, minted with the dev key
 * that `tollgate dev` (`npm start`) made in the project (`.tollgate/dev-key.json`). Only the
 * local edge accepts them: its AUTH_JWKS is that key's public half. Node only.
 *
 * ```ts
 * import { devToken } from 'tollgate/dev';
 * const token = await devToken({ agent: 'billing-bot', roles: ['finance'] });
 * ```
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEV_KEY_FILE, mintDevToken, type DevKey } from '../cli/dev-keys.js';

export interface DevTokenOptions {
  agent: string;
  /** Default `demo`, the tenant `npm start` prints tokens for. */
  tenant?: string;
  /** The agent's roles, or the operator's role (default `operator`). */
  roles?: string[];
  /** An operator token instead of an agent's. */
  operator?: boolean;
  /** Default one hour. */
  ttlSeconds?: number;
  /** The project that ran `tollgate dev` (default: the current directory). */
  projectDir?: string;
}

/** A token for the local edge, signed with the project's dev key. */
export async function devToken(options: DevTokenOptions): Promise<string> {
  const file = join(options.projectDir ?? process.cwd(), DEV_KEY_FILE);
  if (!existsSync(file))
    throw new Error(`no dev key at ${file}: run \`tollgate dev\` (npm start) in the project first, which makes it`);
  const key = JSON.parse(readFileSync(file, 'utf8')) as DevKey;
  return mintDevToken(key, {
    agent: options.agent,
    tenant: options.tenant ?? 'demo',
    roles: options.roles ?? (options.operator ? ['operator'] : []),
    operator: options.operator ?? false,
    ttlSeconds: options.ttlSeconds ?? 3600,
  });
}
