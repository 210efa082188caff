/** @jsxImportSource hono/jsx */
/**
 * @module
 * The policy in force: its hash, version, mode, rules, actions and resources, and its
 * shadowed rules (evaluated and recorded, never enforced) with how many decisions each would
 * have flipped in the last hour and day.
 */
import type { ShadowFlips } from '../../worker/routes/shadow-flips.js';
import { Columns, Scroll } from '../layout.js';

export interface PolicyReply {
  hash: string;
  version: number;
  mode: string;
  registry: string;
  rules: { id: string; effect: string; mode: string; reason: string | null }[];
  actions: string[];
  resources: string[];
}

function Patterns({ title, list }: { title: string; list: string[] }) {
  return (
    <>
      <h2>{title}</h2>
      {list.length === 0 ? (
        <p class="empty">None.</p>
      ) : (
        <p>
          {list.map((p, i) => (
            <>
              {i > 0 && ' '}
              <code>{p}</code>
            </>
          ))}
        </p>
      )}
    </>
  );
}

function Flips({ flips }: { flips: ShadowFlips | null }) {
  if (!flips) return <p class="flash error">The flip counts are unavailable (the audit index did not answer).</p>;
  if (flips.rules.length === 0) return <p class="empty">No rule is in shadow mode.</p>;
  return (
    <Scroll label="Shadow flips">
      <table>
        <Columns names={['Shadowed rule', 'Flips, last hour', 'Flips, last day']} />
        <tbody>
          {flips.rules.map((r) => (
            <tr>
              <td>
                <code>{r.id}</code>
              </td>
              <td>{r.flips.hour}</td>
              <td>{r.flips.day}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Scroll>
  );
}

export function PolicyView({ policy, flips }: { policy: PolicyReply; flips: ShadowFlips | null }) {
  const shadowed = policy.rules.filter((r) => r.mode === 'shadow');
  return (
    <>
      <dl class="facts">
        <dt>Hash</dt>
        <dd>
          <code>{policy.hash}</code>
        </dd>
        <dt>Version</dt>
        <dd>{policy.version}</dd>
        <dt>Mode</dt>
        <dd>{policy.mode}</dd>
        <dt>Registry</dt>
        <dd>{policy.registry}</dd>
        <dt>Rules</dt>
        <dd>
          {policy.rules.length} ({shadowed.length} shadowed)
        </dd>
      </dl>
      <Scroll label="Rules">
        <table>
          <Columns names={['Rule', 'Effect', 'Mode', 'Reason']} />
          <tbody>
            {policy.rules.map((r) => (
              <tr>
                <td>
                  <code>{r.id}</code>
                </td>
                <td>{r.effect}</td>
                <td>{r.mode === 'shadow' ? <span class="badge warn">shadow</span> : r.mode}</td>
                <td>{r.reason ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Scroll>
      <h2>Shadow flips</h2>
      <p class="muted">
        How many decisions each shadowed rule would have changed, had it been enforced (from the audit index).
      </p>
      <Flips flips={flips} />
      <Patterns title="Actions (the registry)" list={policy.actions} />
      <Patterns title="Resources (the catalogue)" list={policy.resources} />
    </>
  );
}
