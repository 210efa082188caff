/** @jsxImportSource hono/jsx */
/**
 * @module
 * Live decisions: the tenant's decisions as they are made, newest first, filtered by agent,
 * action (globs), decision and code. The page is rendered with what the feed kept; the
 * script then follows a WebSocket to the tenant's feed, reconnects when it drops, and polls
 * `/console/live/events` when no socket will hold.
 */
import type { LiveEvent, LiveFilter } from '../../worker/live/events.js';
import { Columns, Scroll } from '../layout.js';

const DECISIONS = ['allow', 'deny', 'require_approval'];

/** One event's row; the script builds the same cells for the events that follow. */
export function LiveRow({ event }: { event: LiveEvent }) {
  return (
    <tr data-seq={String(event.seq)}>
      <td>
        <time datetime={event.time}>{event.time.slice(11, 19)}</time>
      </td>
      <td>{event.agent}</td>
      <td>{event.action}</td>
      <td>{event.resource}</td>
      <td>
        <span class={`pill ${event.decision}`}>{event.decision}</span>
      </td>
      <td>{event.code}</td>
    </tr>
  );
}

export function LiveDecisions(props: { filter: LiveFilter; events: LiveEvent[]; query: string }) {
  const { filter, events, query } = props;
  const last = events.at(-1)?.seq ?? 0;
  return (
    <>
      <form method="get" action="/console/live" class="filters" aria-label="Filter decisions">
        <label>
          Agent <input type="text" name="agent" value={filter.agent ?? ''} placeholder="glob" />
        </label>
        <label>
          Action <input type="text" name="action" value={filter.action ?? ''} placeholder="payments.*" />
        </label>
        <label>
          Decision{' '}
          <select name="decision">
            <option value="">any</option>
            {DECISIONS.map((d) => (
              <option value={d} selected={filter.decision === d}>
                {d}
              </option>
            ))}
          </select>
        </label>
        <label>
          Code <input type="text" name="code" value={filter.code ?? ''} />
        </label>
        <button type="submit">Filter</button>
      </form>
      <p id="live-status" role="status" class="muted">
        Connecting…
      </p>
      <Scroll label="Live decisions">
        <table
          id="live-feed"
          data-socket={`/console/live/socket${query}`}
          data-poll={`/console/live/events${query}`}
          data-after={String(last)}
        >
          <Columns names={['Time (UTC)', 'Agent', 'Action', 'Resource', 'Decision', 'Code']} />
          <tbody>
            {[...events].reverse().map((event) => (
              <LiveRow event={event} />
            ))}
          </tbody>
        </table>
      </Scroll>
    </>
  );
}
