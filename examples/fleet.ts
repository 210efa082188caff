/**
 * `npm run demo:fleet`: a scripted fleet of agents working against the local edge
 * (`npm start`), under the demo policies. One round produces every kind of decision: allows
 * (with tickets the executor redeems and outcomes it reports), rule denies, approvals that a
 * human grants or refuses, a budget running out and a DLP block. `--rounds N` runs N rounds,
 * `--every S` waits S seconds between them: live data for the console.
 */
import { parseArgs } from 'node:util';
import { TollgateClient, type DecisionRequest, type EdgeDecision } from 'tollgate/client';
import { devToken } from 'tollgate/dev';

/** One agent's script for a round: what it asks, in order. */
interface Member {
  id: string;
  roles: string[];
  asks: DecisionRequest[];
}

const chat = (model: string, usd: number): DecisionRequest => ({
  action: 'llm.chat',
  resource: 'llm:openai',
  params: { model },
  cost: { usd },
});
const pay = (amount_usd: number): DecisionRequest => ({
  action: 'payments.send',
  resource: 'vendor:acme-cloud',
  params: { amount_usd, vendor: 'acme-cloud' },
  cost: { usd: amount_usd },
});

/** The fleet; `tag` keeps one run's agents apart from another's (budgets are per agent and day). */
function fleet(tag: string): Member[] {
  return [
    { id: `helper-${tag}`, roles: ['assistant'], asks: [chat('gpt-4o-mini', 0.02), chat('claude-haiku', 0.02)] },
    // The premium model needs trust 60; a new agent has 50.
    { id: `writer-${tag}`, roles: ['assistant'], asks: [chat('gpt-4o-mini', 0.05), chat('gpt-4o', 0.05)] },
    // $10 a day of chat: the third $4 call is over budget.
    {
      id: `spender-${tag}`,
      roles: ['assistant'],
      asks: [chat('gpt-4o-mini', 4), chat('gpt-4o-mini', 4), chat('gpt-4o-mini', 4)],
    },
    // Small payments pass; above $100 a human decides (one granted, one refused).
    { id: `billing-${tag}`, roles: ['finance'], asks: [pay(40), pay(150), pay(120)] },
    {
      id: `builder-${tag}`,
      roles: ['engineer'],
      asks: [
        { action: 'github.get_issue', resource: 'github:acme/api' },
        { action: 'shell.exec', resource: 'host:build-1', params: { command: 'make deploy' } },
        // A cloud key in a message: DLP denies before anything else.
        { action: 'slack.post', resource: 'slack:acme', params: { channel: '#eng', text: 'key AKIAIOSFODNN7EXAMPLE' } },
      ],
    },
  ];
}

export interface FleetRound {
  /** Each decision, as `agent action → decision code`. */
  lines: string[];
  /** How many decisions of each code (`allow:rule`, `deny:budget_exceeded`, ...). */
  counts: Record<string, number>;
}

export async function round(baseUrl: string, tag: string): Promise<FleetRound> {
  const client = async (agent: string, roles: string[], operator = false) =>
    new TollgateClient({ baseUrl, token: await devToken({ agent, roles, operator }) });
  const executor = await client('fleet-executor', ['executor']);
  const human = await client('ops-1', ['operator'], true);
  const lines: string[] = [];
  const counts: Record<string, number> = {};
  let refuseNext = false;
  const note = (id: string, ask: DecisionRequest, d: EdgeDecision) => {
    const key = `${d.decision}:${d.code}`;
    counts[key] = (counts[key] ?? 0) + 1;
    lines.push(`${id.padEnd(18)} ${ask.action.padEnd(16)} → ${d.decision} (${d.code})`);
  };
  for (const member of fleet(tag)) {
    const agent = await client(member.id, member.roles);
    for (const ask of member.asks) {
      const decision = await agent.decide(ask);
      note(member.id, ask, decision);
      let ticket = decision.ticket;
      if (decision.decision === 'require_approval') {
        // The human grants the first approval of a round and refuses the next.
        const verdict = refuseNext ? 'deny' : 'approve';
        refuseNext = !refuseNext;
        await human.settleApproval(
          decision.approval!.id,
          verdict,
          verdict === 'approve' ? 'invoice checked' : 'not ours',
        );
        const settled = await agent.approval(decision.approval!.id);
        lines.push(`${''.padEnd(18)} ${'  the human'.padEnd(16)} → ${settled.approval.status}`);
        ticket = settled.ticket;
      }
      if (ticket) {
        const redeemed = await executor.redeem({
          ticket,
          action: ask.action,
          resource: ask.resource,
          params: ask.params,
        });
        await executor.reportOutcome({ agent: redeemed.agent, decision: redeemed.decision, outcome: 'success' });
      }
    }
  }
  return { lines, counts };
}

async function cli(): Promise<void> {
  const { values } = parseArgs({
    options: { rounds: { type: 'string', default: '1' }, every: { type: 'string', default: '5' } },
  });
  const baseUrl = process.env.TOLLGATE_URL ?? 'http://127.0.0.1:8787';
  const rounds = Number(values.rounds);
  const tag = crypto.randomUUID().slice(0, 6);
  for (let i = 1; i <= rounds; i++) {
    const { lines, counts } = await round(baseUrl, tag);
    console.log(`round ${i} of ${rounds} against ${baseUrl}\n${lines.join('\n')}`);
    console.log(
      `  ${Object.entries(counts)
        .map(([k, n]) => `${k} ×${n}`)
        .join(', ')}\n`,
    );
    if (i < rounds) await new Promise((r) => setTimeout(r, Number(values.every) * 1000));
  }
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) await cli();
