/**
 * LangChain.js with Tollgate: three `@langchain/core` tools governed by `governTool`, called by
 * LangChain's own scripted chat model (no network, no API key). Run against `npm start`:
 *
 *   node examples/langchain.ts
 */
import { AIMessageChunk, HumanMessage, type ToolMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { FakeStreamingChatModel } from '@langchain/core/utils/testing';
import { governTool } from 'tollgate/langchain';
import { z } from 'zod';
import { approveAll, localEdge, runIfMain, toolSpecs, type Report } from './setup.ts';

export async function main(): Promise<Report> {
  const edge = await localEdge('langchain');
  const report: Report = { agent: edge.agentId, ran: [], refused: [], approved: [] };
  const specs = toolSpecs(edge);
  // A refused call is the tool's answer, so the model learns why.
  const refusals = { onRefusal: 'tell-model' } as const;
  const tools = [
    governTool(
      edge.agent,
      { ...specs.get_issue, ...refusals },
      tool(
        async ({ repo, number }) => {
          report.ran.push('get_issue');
          return `Issue ${number} of ${repo}: the build is red`;
        },
        {
          name: 'get_issue',
          description: 'Read a GitHub issue',
          schema: z.object({ repo: z.string(), number: z.number() }),
        },
      ),
    ),
    governTool(
      edge.agent,
      { ...specs.run_shell, ...refusals },
      tool(
        async () => {
          report.ran.push('run_shell');
          return 'done';
        },
        { name: 'run_shell', description: 'Run a shell command', schema: z.object({ command: z.string() }) },
      ),
    ),
    governTool(
      edge.agent,
      { ...specs.send_payment, ...refusals },
      tool(
        async ({ vendor, amount_usd }) => {
          report.ran.push('send_payment');
          return `paid $${amount_usd} to ${vendor}`;
        },
        {
          name: 'send_payment',
          description: 'Pay a vendor',
          schema: z.object({ vendor: z.string(), amount_usd: z.number() }),
        },
      ),
    ),
  ];

  // The scripted model answers with three tool calls.
  const model = new FakeStreamingChatModel({
    chunks: [
      new AIMessageChunk({
        content: '',
        tool_calls: [
          { id: 'call-1', name: 'get_issue', args: { repo: 'acme/api', number: 42 }, type: 'tool_call' },
          { id: 'call-2', name: 'run_shell', args: { command: 'rm -rf /tmp/cache' }, type: 'tool_call' },
          { id: 'call-3', name: 'send_payment', args: { vendor: 'acme-cloud', amount_usd: 250 }, type: 'tool_call' },
        ],
      }),
    ],
  }).bindTools(tools);
  const reply = await model.invoke([new HumanMessage('Fix the build and pay the cloud invoice.')]);

  // The human, meanwhile: grants what the agent waits on, once Tollgate holds it.
  const human = (async () => {
    for (;;) {
      const pending = await edge.human.listApprovals({ status: 'pending', agent: edge.agentId });
      if (pending.length)
        return approveAll(
          edge,
          pending.map((a) => a.id),
          report,
        );
      await new Promise((r) => setTimeout(r, 200));
    }
  })();

  // The agent loop's tool step: each call runs through its governed tool.
  const byName = new Map(tools.map((t) => [t.name, t]));
  const results: ToolMessage[] = await Promise.all(
    (reply.tool_calls ?? []).map((call) => byName.get(call.name)!.invoke(call) as Promise<ToolMessage>),
  );
  await human;
  for (const message of results)
    if (String(message.content).startsWith('Refused by Tollgate'))
      report.refused.push(`${message.name}: ${String(message.content)}`);
  return report;
}

runIfMain(import.meta.url, main);
