/**
 * The README's Node quick start: ask the local edge (`npm start`) before acting, then check
 * the ticket that came with the allow. Run it with `node examples/quickstart.ts`.
 */
import { TollgateClient } from 'tollgate/client';
import { devToken } from 'tollgate/dev';

export async function main(): Promise<{ decision: string; rule?: string | null; ticketFor?: string }> {
  const tollgate = new TollgateClient({
    baseUrl: process.env.TOLLGATE_URL ?? 'http://127.0.0.1:8787',
    token: await devToken({ agent: 'helper-1', roles: ['assistant'] }),
  });
  const decision = await tollgate.decide({
    action: 'llm.chat',
    resource: 'llm:openai',
    params: { model: 'gpt-4o-mini' },
    cost: { usd: 0.02 },
  });
  if (decision.decision !== 'allow') return { decision: decision.decision };
  // An executor checks the ticket against the edge's published keys before it acts.
  const claims = await tollgate.verifyTicket(decision.ticket!, { action: 'llm.chat', resource: 'llm:openai' });
  return { decision: decision.decision, rule: decision.reasons[0]?.rule, ticketFor: claims.action };
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) console.log(await main());
