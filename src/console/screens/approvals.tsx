/** @jsxImportSource hono/jsx */
/**
 * @module
 * The approvals inbox: the tenant's pending approvals, oldest first, each with what the
 * approver must see (agent and its trust, action, resource, params with DLP-flagged values
 * masked, cost, the rules that asked, the time left) and approve / deny with a note. The list
 * is its own fragment (`/console/approvals/list`), which the page's script refreshes, so a new
 * approval appears without a reload.
 */
import type { Approval } from '../../worker/approvals/book.js';
import type { AgentView } from '../../engine/state/agent-view.js';
import { callApi, type ConsoleContext } from '../api.js';
import { ActionForm, duration } from '../layout.js';
import type { ConsoleSession } from '../session.js';

/** The pending approvals, oldest first, with each agent's trust. */
export async function pendingApprovals(
  c: ConsoleContext,
): Promise<{ approvals: Approval[]; trust: Map<string, number> }> {
  const reply = await callApi<{ approvals: Approval[] }>(c, 'GET', '/v1/approvals?status=pending');
  const approvals = reply.status === 200 ? [...reply.body.approvals].sort((a, b) => a.created_at - b.created_at) : [];
  const trust = new Map<string, number>();
  for (const agent of new Set(approvals.map((a) => a.agent))) {
    const state = await callApi<AgentView>(c, 'GET', `/v1/agents/${encodeURIComponent(agent)}`);
    if (state.status === 200) trust.set(agent, state.body.trust);
  }
  return { approvals, trust };
}

const costText = (cost: Approval['cost']) =>
  !cost
    ? '—'
    : [cost.usd ? `$${cost.usd}` : '', cost.tokens ? `${cost.tokens} tokens` : ''].filter(Boolean).join(', ') || '—';

export function ApprovalList(props: {
  approvals: Approval[];
  trust: Map<string, number>;
  session: ConsoleSession;
  /** Epoch milliseconds, as the approvals' times are. */
  now: number;
}) {
  if (props.approvals.length === 0) return <p class="empty">No approvals are waiting.</p>;
  return (
    <ol class="cards">
      {props.approvals.map((a) => (
        <li class="card" id={a.id}>
          <h2>
            <code>{a.action}</code> on <code>{a.resource}</code>
          </h2>
          <dl class="facts">
            <dt>Agent</dt>
            <dd>
              <a href={`/console/agents/${encodeURIComponent(a.agent)}`}>{a.agent}</a> (trust{' '}
              {props.trust.get(a.agent) ?? '?'})
            </dd>
            <dt>Cost</dt>
            <dd>{costText(a.cost)}</dd>
            <dt>Asked by</dt>
            <dd>{a.rules.join(', ') || '—'}</dd>
            <dt>Expires in</dt>
            <dd>{duration((a.expires_at - props.now) / 1000)}</dd>
          </dl>
          <details>
            <summary>Params</summary>
            <pre>{JSON.stringify(a.params, null, 2)}</pre>
          </details>
          <div class="decide">
            {(['approve', 'deny'] as const).map((verdict) => (
              <ActionForm
                action={`/console/approvals/${encodeURIComponent(a.id)}/${verdict}`}
                session={props.session}
                label={verdict === 'approve' ? 'Approve' : 'Deny'}
                danger={verdict === 'deny'}
              >
                <label>
                  Note <input type="text" name="note" maxlength={500} autocomplete="off" />
                </label>
              </ActionForm>
            ))}
          </div>
        </li>
      ))}
    </ol>
  );
}
