/**
 * The OpenAI Agents SDK with Tollgate: three function tools governed by `governedTool`, run by
 * a scripted model that implements the SDK's `Model` interface (no network, no API key).
 * Tollgate's approvals are the SDK's own interruptions. Run against `npm start`:
 *
 *   node examples/openai-agents.ts
 */
import {
  Agent,
  run,
  setTracingDisabled,
  Usage,
  type AgentOutputItem,
  type Model,
  type ModelRequest,
  type ModelResponse,
} from '@openai/agents';
import { governedTool } from 'tollgate/openai-agents';
import { z } from 'zod';
import { approveAll, localEdge, runIfMain, toolSpecs, type Report } from './setup.ts';

/** A model that plays a script: its first turn calls the three tools, every later one sums up. */
class ScriptedModel implements Model {
  private turns = 0;
  async getResponse(_request: ModelRequest): Promise<ModelResponse> {
    const call = (callId: string, name: string, input: object): AgentOutputItem => ({
      type: 'function_call',
      callId,
      name,
      arguments: JSON.stringify(input),
      status: 'completed',
    });
    const output: AgentOutputItem[] =
      this.turns++ === 0
        ? [
            call('call-1', 'get_issue', { repo: 'acme/api', number: 42 }),
            call('call-2', 'run_shell', { command: 'rm -rf /tmp/cache' }),
            call('call-3', 'send_payment', { vendor: 'acme-cloud', amount_usd: 250 }),
          ]
        : [
            {
              type: 'message',
              role: 'assistant',
              status: 'completed',
              content: [{ type: 'output_text', text: 'Read the issue and paid the invoice; the shell was refused.' }],
            },
          ];
    return { usage: new Usage(), output };
  }
  getStreamedResponse(): never {
    throw new Error('this example does not stream');
  }
}

export async function main(): Promise<Report> {
  setTracingDisabled(true); // traces would go to OpenAI
  const edge = await localEdge('openai-agents');
  const report: Report = { agent: edge.agentId, ran: [], refused: [], approved: [] };
  const specs = toolSpecs(edge);
  const agent = new Agent({
    name: 'billing-bot',
    instructions: 'Fix the build and pay the invoices.',
    model: new ScriptedModel(),
    tools: [
      governedTool(edge.agent, specs.get_issue, {
        name: 'get_issue',
        description: 'Read a GitHub issue',
        parameters: z.object({ repo: z.string(), number: z.number() }),
        execute: async ({ repo, number }) => {
          report.ran.push('get_issue');
          return `Issue ${number} of ${repo}: the build is red`;
        },
      }),
      governedTool(edge.agent, specs.run_shell, {
        name: 'run_shell',
        description: 'Run a shell command',
        parameters: z.object({ command: z.string() }),
        execute: async () => {
          report.ran.push('run_shell');
          return 'done';
        },
      }),
      governedTool(edge.agent, specs.send_payment, {
        name: 'send_payment',
        description: 'Pay a vendor',
        parameters: z.object({ vendor: z.string(), amount_usd: z.number() }),
        execute: async ({ vendor, amount_usd }) => {
          report.ran.push('send_payment');
          return `paid $${amount_usd} to ${vendor}`;
        },
      }),
    ],
  });

  // The run stops at the payment: Tollgate holds it for a human, and the SDK interrupts.
  let result = await run(agent, 'Fix the build and pay the cloud invoice.');
  while (result.interruptions.length) {
    const pending = await edge.human.listApprovals({ status: 'pending', agent: edge.agentId });
    await approveAll(
      edge,
      pending.map((a) => a.id),
      report,
    ); // the human, in Tollgate
    for (const interruption of result.interruptions) result.state.approve(interruption);
    result = await run(agent, result.state);
  }
  // What the model was told of refused calls, from the run's items.
  for (const item of result.newItems)
    if (item.type === 'tool_call_output_item' && String(item.output).startsWith('Refused by Tollgate'))
      report.refused.push(String(item.output));
  return report;
}

runIfMain(import.meta.url, main);
