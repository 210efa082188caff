/**
 * The agents inventory (D1 `agents`), inside workerd: written by each agent's own flush, so
 * agents deciding and flushing at once are all listed with their own counts, and a batch
 * flushed twice counts once.
 */
import { env, runDurableObjectAlarm } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { inventoryStatement } from '../../src/worker/audit/inventory.js';
import { stubOf } from './agents.js';
import { call } from './http.js';
import { agentToken, operatorToken } from './tokens.js';

const chat = { action: 'llm.chat', resource: 'llm:openai', params: { model: 'gpt-4o-mini' }, cost: { usd: 0.5 } };
const forbidden = { action: 'shell.exec', resource: 'host:prod', params: { cmd: 'rm -rf /' } };

async function flush(agent: string): Promise<void> {
  for (let i = 0; await runDurableObjectAlarm(stubOf(agent)); i++)
    if (i > 20) throw new Error(`${agent}: the flush is still failing`);
}

async function inventory(): Promise<any[]> {
  const ops = await operatorToken('ops-inventory');
  const rows: any[] = [];
  let cursor: string | null = '';
  while (cursor !== null) {
    const page = await call('GET', `/v1/agents?limit=20${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, {
      token: ops,
    });
    expect(page.status).toBe(200);
    rows.push(...page.body.agents);
    cursor = page.body.next_cursor;
  }
  return rows;
}

describe('the agents inventory', () => {
  it('lists 50 agents deciding and flushing at once, each with its own counts, trust, spend and suspension', async () => {
    const ids = Array.from({ length: 50 }, (_, i) => `inv-${String(i).padStart(2, '0')}`);
    // Agent i makes i % 3 + 1 allowed calls and i % 2 refused ones, all agents at once.
    await Promise.all(
      ids.map(async (id, i) => {
        const t = await agentToken(id, ['assistant']);
        for (let k = 0; k < (i % 3) + 1; k++)
          expect((await call('POST', '/v1/decide', { token: t, body: chat })).body.decision).toBe('allow');
        for (let k = 0; k < i % 2; k++)
          expect((await call('POST', '/v1/decide', { token: t, body: forbidden })).body.decision).toBe('deny');
      }),
    );
    await call('POST', '/v1/agents/inv-07/suspend', { token: await operatorToken() });
    await Promise.all(ids.map(flush));

    const listed = new Map((await inventory()).map((row) => [row.agent, row]));
    for (const [i, id] of ids.entries()) {
      const row = listed.get(id);
      expect(row, id).toMatchObject({
        decisions: (i % 3) + 1 + (i % 2),
        denies: i % 2,
        approvals: 0,
        suspended: id === 'inv-07',
      });
      const state = (await call('GET', `/v1/agents/${id}`, { token: await operatorToken() })).body;
      expect(row.trust, id).toBe(state.trust);
      const usd = state.budgets.find((b: any) => b.unit === 'usd');
      expect(row.spend_usd, id).toBe(usd ? usd.used : null);
      expect(row.first_seen <= row.last_seen).toBe(true);
    }
    // Agents only see their own state, never the inventory.
    expect((await call('GET', '/v1/agents', { token: await agentToken('inv-00') })).status).toBe(403);
  });

  it('a batch flushed twice (its reply lost) counts once', async () => {
    const batch = {
      tenant: 'inv-tenant',
      agent: 'twice',
      prevHash: '',
      records: [1, 2].map((seq) => ({
        hash: `h${seq}`,
        record: { seq, time: `2026-12-02T00:00:0${seq}.000Z`, kind: 'decision', decision: 'deny' },
      })),
    } as any;
    const snapshot = { trust: 50, suspended: false, budget: null };
    await inventoryStatement(env.AUDIT_DB, batch, snapshot).run();
    await inventoryStatement(env.AUDIT_DB, batch, snapshot).run();
    const row = await env.AUDIT_DB.prepare("SELECT * FROM agents WHERE tenant = 'inv-tenant'").first<any>();
    expect(row).toMatchObject({ decisions: 2, denies: 2, through_seq: 2 });
  });
});
