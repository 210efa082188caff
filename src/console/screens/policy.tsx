/** @jsxImportSource hono/jsx */
/**
 * @module
 * The policy in force: its hash, mode and rules, with the shadowed ones (rules that are
 * evaluated and recorded but never change what is enforced) marked.
 */
import { Scroll } from '../layout.js';
export interface PolicyReply {
  hash: string;
  mode: string;
  registry: string;
  rules: { id: string; effect: string; mode: string; reason: string | null }[];
}

export function PolicyView({ policy }: { policy: PolicyReply }) {
  const shadowed = policy.rules.filter((r) => r.mode === 'shadow');
  return (
    <>
      <dl class="facts">
        <dt>Hash</dt>
        <dd>
          <code>{policy.hash}</code>
        </dd>
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
          <thead>
            <tr>
              <th scope="col">Rule</th>
              <th scope="col">Effect</th>
              <th scope="col">Mode</th>
              <th scope="col">Reason</th>
            </tr>
          </thead>
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
    </>
  );
}
