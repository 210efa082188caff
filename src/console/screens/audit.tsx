/** @jsxImportSource hono/jsx */
/**
 * @module
 * The audit: search with the API's filters (paged by cursor), exports, and an agent's chain
 * verified, with its badge (`ok`, `stale`, or the first bad seq).
 */
import { Columns, Scroll } from '../layout.js';
export const AUDIT_FILTERS = ['agent', 'action', 'decision', 'code', 'rule', 'kind', 'from', 'to'] as const;

export interface AuditPage {
  records: { hash: string; record: { [key: string]: unknown } }[];
  next_cursor: string | null;
}

export type Verdict =
  { ok: true; records: number; pending: number } | { ok: false; stale?: boolean; seq: number; reason: string };

export function VerifyBadge({ agent, verdict }: { agent: string; verdict: Verdict }) {
  if (verdict.ok)
    return (
      <p class="badge ok" role="status">
        {agent}: ok, {verdict.records} records verified{verdict.pending ? `, ${verdict.pending} pending` : ''}
      </p>
    );
  return (
    <p class="badge bad" role="status">
      {agent}: {verdict.stale ? 'stale' : 'FAILED'} at seq {verdict.seq}: {verdict.reason}
    </p>
  );
}

export function AuditSearch(props: { query: URLSearchParams; page: AuditPage | null; error: string | null }) {
  const { query, page } = props;
  const exportQuery = (format: string) => {
    const q = new URLSearchParams(query);
    q.delete('cursor');
    q.set('format', format);
    return `/console/audit/export?${q}`;
  };
  return (
    <>
      <form method="get" action="/console/audit" class="filters">
        {AUDIT_FILTERS.map((name) => (
          <label>
            {name} <input type="text" name={name} value={query.get(name) ?? ''} autocomplete="off" />
          </label>
        ))}
        <button type="submit">Search</button>
      </form>
      <p class="exports">
        Export: <a href={exportQuery('ndjson')}>NDJSON</a> · <a href={exportQuery('csv')}>CSV</a> ·{' '}
        <a href={exportQuery('ocsf')}>OCSF</a>
      </p>
      {props.error && (
        <p class="flash error" role="alert">
          {props.error}
        </p>
      )}
      {page && page.records.length === 0 && <p class="empty">No record matches.</p>}
      {page && page.records.length > 0 && (
        <Scroll label="Audit records">
          <table>
            <Columns names={['Time', 'Agent', 'Seq', 'Kind', 'Action', 'Decision', 'Code']} />
            <tbody>
              {page.records.map(({ record }) => (
                <tr>
                  <td>{String(record.time ?? '')}</td>
                  <td>{String(record.agent ?? '')}</td>
                  <td>{String(record.seq ?? '')}</td>
                  <td>{String(record.kind ?? '')}</td>
                  <td>{String(record.action ?? '')}</td>
                  <td>{String(record.decision ?? '')}</td>
                  <td>{String(record.code ?? '')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Scroll>
      )}
      {page?.next_cursor && (
        <p>
          <a href={`/console/audit?${new URLSearchParams({ ...Object.fromEntries(query), cursor: page.next_cursor })}`}>
            Older records
          </a>
        </p>
      )}
      <h2>Verify an agent's chain</h2>
      <form method="get" action="/console/audit/verify" class="filters">
        <label>
          agent <input type="text" name="agent" required autocomplete="off" />
        </label>
        <button type="submit">Verify</button>
      </form>
    </>
  );
}
