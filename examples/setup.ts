/**
 * What every example shares: the local edge (`npm start`), the clients of the three parties
 * (the agent, the executor that runs its tools, and the human who settles approvals), and
 * how the examples' three tools map to Tollgate actions under the demo policies:
 *
 * - `get_issue` reads GitHub: allowed;
 * - `run_shell` runs a command: always denied ("Agents never get a shell");
 * - `send_payment` pays a vendor: above $100 it needs a human's approval.
 */
import { TollgateClient, type GuardSpec } from 'tollgate/client';
import { devToken } from 'tollgate/dev';

export interface LocalEdge {
  baseUrl: string;
  /** This run's agent, a fresh id each run (role finance, tenant demo). */
  agentId: string;
  agent: TollgateClient;
  executor: TollgateClient;
  human: TollgateClient;
}

export async function localEdge(name: string): Promise<LocalEdge> {
  const baseUrl = process.env.TOLLGATE_URL ?? 'http://127.0.0.1:8787';
  const agentId = `${name}-${crypto.randomUUID().slice(0, 8)}`;
  const client = async (agent: string, roles: string[], operator = false) =>
    new TollgateClient({ baseUrl, token: await devToken({ agent, roles, operator }) });
  return {
    baseUrl,
    agentId,
    agent: await client(agentId, ['finance']),
    executor: await client(`${name}-executor`, ['executor']),
    human: await client('ops-1', ['operator'], true),
  };
}

export interface IssueInput {
  repo: string;
  number: number;
}
export interface ShellInput {
  command: string;
}
export interface PaymentInput {
  vendor: string;
  amount_usd: number;
}

/** The Tollgate side of the three tools; the executor redeems each ticket and reports the outcome. */
export function toolSpecs(edge: LocalEdge): {
  get_issue: GuardSpec<IssueInput>;
  run_shell: GuardSpec<ShellInput>;
  send_payment: GuardSpec<PaymentInput>;
} {
  return {
    get_issue: { action: 'github.get_issue', resource: (i) => `github:${i.repo}`, executor: edge.executor },
    run_shell: { action: 'shell.exec', resource: 'host:build-1', executor: edge.executor },
    send_payment: {
      action: 'payments.send',
      resource: (p) => `vendor:${p.vendor}`,
      cost: (p) => ({ usd: p.amount_usd }),
      executor: edge.executor,
    },
  };
}

/** What the example's tools did, as their own functions recorded it. */
export interface Report {
  agent: string;
  /** Each tool that ran, in order. */
  ran: string[];
  /** Each call Tollgate refused, with the reason the agent saw. */
  refused: string[];
  /** The Tollgate approvals the human granted. */
  approved: string[];
}

/** The human's side: grants every approval the agent waits on. */
export async function approveAll(edge: LocalEdge, ids: string[], report: Report): Promise<void> {
  for (const id of ids) {
    await edge.human.settleApproval(id, 'approve', 'checked the invoice');
    report.approved.push(id);
  }
}

/** Runs an example's main when the file is run directly, and prints its report. */
export function runIfMain(url: string, main: () => Promise<Report>): void {
  if (process.argv[1] && url === new URL(`file://${process.argv[1]}`).href)
    main().then(
      (report) => console.log(JSON.stringify(report, null, 2)),
      (err: Error) => {
        console.error(err);
        process.exitCode = 1;
      },
    );
}
