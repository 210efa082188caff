/** @jsxImportSource hono/jsx */
/**
 * @module
 * The overview: the tenant's decisions per minute over the last hour, the allow / deny /
 * approval split, denies by code, spend against budgets and the suspended agents, from the
 * audit index and the agents inventory (both as of the last flushes, seconds behind).
 */
import type { AuditSummary } from '../../worker/audit/summary.js';
import type { InventoryRow } from '../../worker/audit/inventory.js';
import type { TenantView } from '../../worker/routes/tenant.js';
import { DecisionsPerMinute, HorizontalBars, type Bar } from '../charts.js';

export interface OverviewData {
  summary: AuditSummary | null;
  agents: InventoryRow[];
  tenant: TenantView | null;
  approvalsWaiting: number;
  policyHash: string | null;
}

const usd = (n: number) => `$${Number(n.toFixed(2))}`;

export function HaltBanner({ tenant }: { tenant: TenantView | null }) {
  if (!tenant?.halt) return null;
  return (
    <p class="banner" role="alert">
      Tenant {tenant.tenant} is halted (by {tenant.halt.by} at {tenant.halt.at}): every agent is suspended.{' '}
      <a href="/console/agents">Resume it on the agents page.</a>
    </p>
  );
}

export function Overview({ data }: { data: OverviewData }) {
  const { summary, agents } = data;
  const totals = { allow: 0, deny: 0, require_approval: 0 };
  for (const m of summary?.per_minute ?? []) {
    totals.allow += m.allow;
    totals.deny += m.deny;
    totals.require_approval += m.require_approval;
  }
  const split: Bar[] = (['allow', 'require_approval', 'deny'] as const).map((d) => ({
    label: d,
    value: totals[d],
    kind: d,
    text: String(totals[d]),
  }));
  const denies: Bar[] = (summary?.denies_by_code ?? []).map((d) => ({
    label: d.code,
    value: d.count,
    kind: 'deny',
    text: String(d.count),
  }));
  const spend: Bar[] = agents
    .filter((a) => a.budget_usd !== null && a.spend_usd !== null)
    .sort((a, b) => b.spend_usd! / b.budget_usd! - a.spend_usd! / a.budget_usd!)
    .slice(0, 8)
    .map((a) => ({
      label: a.agent,
      value: a.spend_usd!,
      of: a.budget_usd!,
      kind: 'used',
      text: `${usd(a.spend_usd!)} of ${usd(a.budget_usd!)} per ${a.budget_per}`,
    }));
  const suspended = agents.filter((a) => a.suspended);
  return (
    <>
      <HaltBanner tenant={data.tenant} />
      <dl class="facts">
        <dt>Approvals waiting</dt>
        <dd>
          <a href="/console/approvals">{data.approvalsWaiting}</a>
        </dd>
        <dt>Agents</dt>
        <dd>
          <a href="/console/agents">{agents.length}</a> ({suspended.length} suspended)
        </dd>
        <dt>Policy in force</dt>
        <dd>
          <a href="/console/policy">
            <code>{data.policyHash ?? 'unavailable'}</code>
          </a>
        </dd>
      </dl>
      {summary === null ? (
        <p class="flash error" role="alert">
          The audit index is unavailable: the charts are left out.
        </p>
      ) : (
        <div class="charts">
          <DecisionsPerMinute minutes={summary.per_minute} />
          <HorizontalBars title="Decisions in the last hour, by decision" bars={split} empty="No decisions." />
          <HorizontalBars title="Denies in the last hour, by code" bars={denies} empty="No denies in the last hour." />
          <HorizontalBars
            title="Spend against budgets (the most used first)"
            bars={spend}
            empty="No agent with a USD budget has been seen yet."
          />
        </div>
      )}
      <h2>Suspended agents</h2>
      {suspended.length === 0 ? (
        <p class="empty">None.</p>
      ) : (
        <ul>
          {suspended.map((a) => (
            <li>
              <a href={`/console/agents/${encodeURIComponent(a.agent)}`}>{a.agent}</a>
            </li>
          ))}
        </ul>
      )}
      <p class="muted">
        From the audit index and the agents inventory, as of each agent's last flush (seconds behind).
      </p>
    </>
  );
}
