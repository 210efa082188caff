/** @jsxImportSource hono/jsx */
/**
 * @module
 * The agents inventory: every agent of the tenant with when it was first and last seen, its
 * decisions and denies, trust, spend and suspension (from D1, as of its last flush), a
 * lookup by id, and the tenant-wide halt.
 */
import type { InventoryRow } from '../../worker/audit/inventory.js';
import type { TenantView } from '../../worker/routes/tenant.js';
import { ActionForm, Columns, Scroll } from '../layout.js';
import type { ConsoleSession } from '../session.js';
import { HaltBanner } from './overview.js';

export function TenantHalt({ tenant, session }: { tenant: TenantView | null; session: ConsoleSession }) {
  if (!tenant) return <p class="flash error">The tenant's halt switch is unavailable.</p>;
  return (
    <section aria-labelledby="halt-heading" class="card">
      <h2 id="halt-heading">Tenant-wide halt</h2>
      {tenant.halted ? (
        <>
          <HaltBanner tenant={tenant} />
          <ActionForm action="/console/tenant/resume" session={session} label="Resume the tenant" />
        </>
      ) : (
        <>
          <p>Halting suspends every agent of tenant {tenant.tenant} at once, including agents not seen yet.</p>
          <ActionForm action="/console/tenant/halt" session={session} label="Halt every agent" danger />
        </>
      )}
    </section>
  );
}

export function AgentsInventory(props: { agents: InventoryRow[]; next: string | null; error: string | null }) {
  const { agents, next, error } = props;
  return (
    <>
      <form method="get" action="/console/agents" class="filters">
        <label>
          Agent id <input type="text" name="id" required autocomplete="off" />
        </label>
        <button type="submit">Open</button>
      </form>
      {error && (
        <p class="flash error" role="alert">
          {error}
        </p>
      )}
      {agents.length === 0 && !error ? (
        <p class="empty">No agent has been seen yet (an agent is listed once its first records are flushed).</p>
      ) : (
        <Scroll label="Agents">
          <table>
            <Columns names={['Agent', 'First seen', 'Last seen', 'Decisions', 'Denies', 'Trust', 'Spend', 'State']} />
            <tbody>
              {agents.map((a) => (
                <tr>
                  <td>
                    <a href={`/console/agents/${encodeURIComponent(a.agent)}`}>{a.agent}</a>
                  </td>
                  <td>{a.first_seen.slice(0, 19).replace('T', ' ')}</td>
                  <td>{a.last_seen.slice(0, 19).replace('T', ' ')}</td>
                  <td>{a.decisions}</td>
                  <td>{a.denies}</td>
                  <td>{a.trust}</td>
                  <td>
                    {a.spend_usd === null
                      ? '—'
                      : `$${a.spend_usd}${a.budget_usd !== null ? ` of $${a.budget_usd}` : ''}`}
                  </td>
                  <td>
                    {a.suspended ? <span class="badge bad">suspended</span> : <span class="badge ok">active</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Scroll>
      )}
      {next !== null && (
        <p>
          <a href={`/console/agents?cursor=${encodeURIComponent(next)}`}>Next page</a>
        </p>
      )}
    </>
  );
}
