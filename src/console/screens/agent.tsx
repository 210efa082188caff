/** @jsxImportSource hono/jsx */
/**
 * @module
 * One agent's state page: trust, suspension, budgets, rate windows and risk, with the kill
 * switch (suspend and resume, through the API).
 */
import type { AgentView } from '../../engine/state/agent-view.js';
import { ActionForm, Columns, Scroll } from '../layout.js';
import type { ConsoleSession } from '../session.js';

export function AgentState(props: { view: AgentView; session: ConsoleSession }) {
  const { view, session } = props;
  const id = encodeURIComponent(view.agent.id);
  return (
    <>
      <dl class="facts">
        <dt>Trust</dt>
        <dd>{view.trust}</dd>
        <dt>State</dt>
        <dd>
          {view.suspended ? (
            <span class="badge bad">
              suspended ({view.suspension === 'breaker' ? `breaker, until ${view.suspendedUntil}` : 'by an operator'})
            </span>
          ) : (
            <span class="badge ok">active</span>
          )}
        </dd>
        <dt>Risk</dt>
        <dd>
          {view.risk ? `${view.risk.value} (escalates at ${view.risk.escalateAt}, denies at ${view.risk.denyAt})` : '—'}
        </dd>
      </dl>
      {view.suspended ? (
        <ActionForm action={`/console/agents/${id}/resume`} session={session} label="Resume" />
      ) : (
        <ActionForm action={`/console/agents/${id}/suspend`} session={session} label="Suspend" danger />
      )}
      <h2>Budgets</h2>
      {view.budgets.length === 0 ? (
        <p class="empty">No budget applies to this agent.</p>
      ) : (
        <Scroll label="Budgets">
          <table>
            <Columns names={['Rule', 'Per', 'Used', 'Limit']} />
            <tbody>
              {view.budgets.map((b) => (
                <tr>
                  <td>{b.rule ?? 'agent-wide'}</td>
                  <td>{b.per}</td>
                  <td>{b.unit === 'usd' ? `$${b.used}` : b.used}</td>
                  <td>{b.unit === 'usd' ? `$${b.limit}` : `${b.limit} tokens`}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Scroll>
      )}
      <h2>Rate windows</h2>
      {view.rates.length === 0 ? (
        <p class="empty">No rate limit applies to this agent.</p>
      ) : (
        <ul>
          {view.rates.map((r) => (
            <li>
              {r.rule}: {r.used} of {r.limit} per {r.windowMs / 1000} s
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
