/** @jsxImportSource hono/jsx */
/**
 * @module
 * The agents routes: the inventory (with the tenant-wide halt), an agent's state page, the
 * kill switch and the halt, each acting through the API as the signed-in operator.
 */
import type { Hono } from 'hono';
import type { AgentView } from '../engine/state/agent-view.js';
import type { InventoryRow } from '../worker/audit/inventory.js';
import type { TenantView } from '../worker/routes/tenant.js';
import { apiMessage, callApi, type ConsoleEnv } from './api.js';
import { render, renderError } from './render.js';
import { AgentState } from './screens/agent.js';
import { AgentsInventory, TenantHalt } from './screens/agents.js';

export function agentRoutes(app: Hono<ConsoleEnv>): void {
  app.get('/agents', async (c) => {
    const id = c.req.query('id');
    if (id) return c.redirect(`/console/agents/${encodeURIComponent(id)}`, 303);
    const cursor = c.req.query('cursor');
    const [inventory, tenant] = await Promise.all([
      callApi<{ agents: InventoryRow[]; next_cursor: string | null }>(
        c,
        'GET',
        `/v1/agents?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      ),
      callApi<TenantView>(c, 'GET', '/v1/tenant'),
    ]);
    const ok = inventory.status === 200;
    return render(c, {
      title: 'Agents',
      current: '/console/agents',
      children: (
        <>
          <TenantHalt tenant={tenant.status === 200 ? tenant.body : null} session={c.get('session')} />
          <AgentsInventory
            agents={ok ? inventory.body.agents : []}
            next={ok ? inventory.body.next_cursor : null}
            error={ok ? null : apiMessage(inventory)}
          />
        </>
      ),
    });
  });

  app.get('/agents/:id', async (c) => {
    const id = c.req.param('id');
    const reply = await callApi<AgentView>(c, 'GET', `/v1/agents/${encodeURIComponent(id)}`);
    if (reply.status !== 200) return renderError(c, `Agent ${id}`, apiMessage(reply), 404, '/console/agents');
    return render(c, {
      title: `Agent ${id}`,
      current: '/console/agents',
      children: <AgentState view={reply.body} session={c.get('session')} />,
    });
  });

  app.post('/agents/:id/:action{suspend|resume}', async (c) => {
    const id = encodeURIComponent(c.req.param('id'));
    const action = c.req.param('action') as 'suspend' | 'resume';
    const reply = await callApi(c, 'POST', `/v1/agents/${id}/${action}`);
    if (reply.status !== 200) return renderError(c, 'Agents', apiMessage(reply), 400, '/console/agents');
    return c.redirect(`/console/agents/${id}?done=${action === 'suspend' ? 'suspended' : 'resumed'}`, 303);
  });

  app.post('/tenant/:action{halt|resume}', async (c) => {
    const action = c.req.param('action') as 'halt' | 'resume';
    const reply = await callApi(c, 'POST', `/v1/tenant/${action}`);
    if (reply.status !== 200) return renderError(c, 'Agents', apiMessage(reply), 400, '/console/agents');
    return c.redirect(`/console/agents?done=${action === 'halt' ? 'halted' : 'running'}`, 303);
  });
}
