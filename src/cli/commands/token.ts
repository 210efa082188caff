/**
 * @module
 * `tollgate token`: mints an agent or operator token signed with the local dev keys.
 */
import { parseArgs } from 'node:util';
import { parseDuration } from '../../policy/duration.js';
import { ensureDevKeys, mintDevToken } from '../dev-keys.js';
import { EXIT_OK, UsageError, type Command } from '../usage.js';

export const tokenCommand: Command = {
  name: 'token',
  summary: 'mint a token signed with the local dev keys (made if missing)',
  help: `Usage: tollgate token --agent ID [--tenant T] [--roles a,b] [--operator] [--ttl 1h]

Mints a JWT for the local edge runtime (npm start), signed with the dev key in
.tollgate/dev-key.json; the key pair and .dev.vars are created if missing.

  --agent ID      the token's subject: the agent id (or the operator's id)
  --tenant T      the tenant (default: demo)
  --roles a,b     the agent's roles; with --operator, the operator role (operator or admin)
  --operator      an operator token instead of an agent token
  --ttl 1h        lifetime: 30s, 10m, 1h, 7d (default: 1h)

The token is printed alone on the last line.`,
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        agent: { type: 'string' },
        tenant: { type: 'string' },
        roles: { type: 'string' },
        operator: { type: 'boolean' },
        ttl: { type: 'string' },
      },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    if (!values.agent) throw new UsageError('--agent ID is required');
    const ttlMs = parseDuration(values.ttl ?? '1h');
    if (ttlMs === null) throw new UsageError(`--ttl '${values.ttl}' must look like 30s, 10m, 1h or 7d`);
    const roles = values.roles
      ? values.roles
          .split(',')
          .map((r) => r.trim())
          .filter(Boolean)
      : values.operator
        ? ['operator']
        : [];
    if (values.operator && !['operator', 'admin'].includes(roles[0]))
      throw new UsageError('--operator tokens take --roles operator or --roles admin');
    const { key, created } = await ensureDevKeys();
    if (created)
      console.error('created dev keys in .tollgate/dev-key.json and .dev.vars (restart wrangler dev to pick them up)');
    console.log(
      await mintDevToken(key, {
        agent: values.agent,
        tenant: values.tenant ?? 'demo',
        roles,
        operator: values.operator ?? false,
        ttlSeconds: Math.floor(ttlMs / 1000),
      }),
    );
    return EXIT_OK;
  },
};
