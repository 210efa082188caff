/**
 * The Vercel AI SDK with Tollgate: three tools governed by `governTools`, driven by the SDK's
 * own scripted test model (no network, no API key). Run against `npm start`:
 *
 *   node examples/ai-sdk.ts
 */
import { generateText, tool, type ModelMessage, type ToolApprovalResponse } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { governTools } from 'tollgate/ai';
import { z } from 'zod';
import { approveAll, localEdge, runIfMain, toolSpecs, type Report } from './setup.ts';

export async function main(): Promise<Report> {
  const edge = await localEdge('ai-sdk');
  const report: Report = { agent: edge.agentId, ran: [], refused: [], approved: [] };
  const tools = {
    get_issue: tool({
      description: 'Read a GitHub issue',
      inputSchema: z.object({ repo: z.string(), number: z.number() }),
      execute: async ({ repo, number }) => {
        report.ran.push('get_issue');
        return { title: `Issue ${number} of ${repo}: the build is red` };
      },
    }),
    run_shell: tool({
      description: 'Run a shell command',
      inputSchema: z.object({ command: z.string() }),
      execute: async () => {
        report.ran.push('run_shell');
        return 'done';
      },
    }),
    send_payment: tool({
      description: 'Pay a vendor',
      inputSchema: z.object({ vendor: z.string(), amount_usd: z.number() }),
      execute: async ({ vendor, amount_usd }) => {
        report.ran.push('send_payment');
        return { paid: amount_usd, to: vendor };
      },
    }),
  };
  const governed = governTools(edge.agent, tools, toolSpecs(edge));

  // The scripted model: its first answer calls the three tools; every later one sums up.
  let turns = 0;
  const usage = {
    inputTokens: { total: 10, noCache: 10, cacheRead: 0, cacheWrite: 0 },
    outputTokens: { total: 10, text: 10, reasoning: 0 },
  };
  const call = (id: string, toolName: string, input: object) =>
    ({ type: 'tool-call', toolCallId: id, toolName, input: JSON.stringify(input) }) as const;
  const model = new MockLanguageModelV4({
    doGenerate: async () =>
      turns++ === 0
        ? {
            content: [
              call('call-1', 'get_issue', { repo: 'acme/api', number: 42 }),
              call('call-2', 'run_shell', { command: 'rm -rf /tmp/cache' }),
              call('call-3', 'send_payment', { vendor: 'acme-cloud', amount_usd: 250 }),
            ],
            finishReason: { unified: 'tool-calls', raw: undefined },
            usage,
            warnings: [],
          }
        : {
            content: [{ type: 'text', text: 'Read the issue and paid the invoice; the shell was refused.' }],
            finishReason: { unified: 'stop', raw: undefined },
            usage,
            warnings: [],
          },
  });

  const messages: ModelMessage[] = [{ role: 'user', content: 'Fix the build and pay the cloud invoice.' }];
  const first = await generateText({ model, tools: governed.tools, toolApproval: governed.toolApproval, messages });
  messages.push(...first.response.messages);

  // The SDK hands back what waits on a human: here the $250 payment, which Tollgate holds.
  const answers: ToolApprovalResponse[] = [];
  for (const part of first.content) {
    // Tollgate's denies come back as the SDK's automatic refusals, with the reason the model saw.
    if (part.type === 'tool-approval-response' && !part.approved)
      report.refused.push(`${part.toolCall.toolName}: ${part.reason}`);
    if (part.type !== 'tool-approval-request' || part.isAutomatic) continue;
    const approval = governed.approvalFor(part.toolCall.toolCallId)!;
    await approveAll(edge, [approval], report); // the human, in Tollgate
    answers.push({ type: 'tool-approval-response', approvalId: part.approvalId, approved: true });
  }
  messages.push({ role: 'tool', content: answers });

  // Resumed with the answer, the SDK runs the payment, with the approval's ticket.
  await generateText({ model, tools: governed.tools, toolApproval: governed.toolApproval, messages });
  return report;
}

runIfMain(import.meta.url, main);
