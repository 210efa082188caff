/**
 * @module
 * `tollgate tenant halt|resume|status`: the tenant-wide halt, against a running edge. A halt
 * suspends every agent of the operator's tenant at once; resume lifts it.
 */
import { parseArgs } from 'node:util';
import { api, LOCAL_EDGE, operatorToken } from '../operator-session.js';
import { edgeApi } from '../pin-client.js';
import { EXIT_OK, UsageError, type Command } from '../usage.js';

interface TenantView {
  tenant: string;
  halted: boolean;
  halt: { by: string; at: string } | null;
}

const VERBS = { halt: 'POST', resume: 'POST', status: 'GET' } as const;

export const tenantCommand: Command = {
  name: 'tenant',
  summary: 'halt or resume every agent of the tenant at once: tollgate tenant halt|resume|status',
  help: `Usage: tollgate tenant halt|resume|status [--url URL] [--token T]

  halt     suspend every agent of the operator token's tenant at once, those not seen yet
           too: each decision is denied with code 'suspended' (and audited), no ticket is
           redeemed and no approved request gets its ticket
  resume   lift the halt (an agent suspended on its own stays suspended)
  status   whether the tenant is halted, by whom and since when

  --url URL    the edge (default: ${LOCAL_EDGE}, what npm start runs)
  --token T    an operator token (or TOLLGATE_TOKEN; for the local edge, one is made with
               the dev key)`,
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { url: { type: 'string' }, token: { type: 'string' } },
    });
    const [verb, ...rest] = positionals;
    if (!verb || !(verb in VERBS))
      throw new UsageError(
        verb ? `unknown subcommand 'tenant ${verb}'` : 'say which: tollgate tenant halt|resume|status',
      );
    if (rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}'`);
    const base = new URL(values.url ?? LOCAL_EDGE);
    const token = await operatorToken(values.token, base);
    const method = VERBS[verb as keyof typeof VERBS];
    const path = verb === 'status' ? '/v1/tenant' : `/v1/tenant/${verb}`;
    const view = (await api(() => edgeApi(base, token, method, path), base)) as TenantView;
    console.log(
      view.halt
        ? `tenant '${view.tenant}' is halted (by ${view.halt.by} since ${view.halt.at}): every agent is suspended`
        : `tenant '${view.tenant}' is running`,
    );
    return EXIT_OK;
  },
};
