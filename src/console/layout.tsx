/** @jsxImportSource hono/jsx */
/**
 * @module
 * The page shell every console screen shares: the tenant and operator, the navigation, the
 * flash message, and the one stylesheet and one script module (no inline script or style, so
 * the Content-Security-Policy can forbid them).
 */
import type { Child } from 'hono/jsx';
import type { ConsoleSession } from './session.js';

export const SCREENS = [
  { path: '/console', label: 'Overview' },
  { path: '/console/approvals', label: 'Approvals' },
  { path: '/console/live', label: 'Live' },
  { path: '/console/agents', label: 'Agents' },
  { path: '/console/audit', label: 'Audit' },
  { path: '/console/policy', label: 'Policy' },
] as const;

export interface PageProps {
  title: string;
  session: ConsoleSession | null;
  /** The screen's path, marked current in the navigation. */
  current?: string;
  flash?: { kind: 'ok' | 'error'; text: string } | null;
  children?: Child;
}

export function Page({ title, session, current, flash, children }: PageProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${title} · Tollgate`}</title>
        <link rel="icon" href="data:," />
        <link rel="stylesheet" href="/console/assets/console.css" />
        <script type="module" src="/console/assets/console.js"></script>
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="top">
          <span class="brand">Tollgate</span>
          {session && (
            <>
              <nav aria-label="Console">
                <ul>
                  {SCREENS.map((s) => (
                    <li>
                      <a href={s.path} aria-current={s.path === current ? 'page' : undefined}>
                        {s.label}
                      </a>
                    </li>
                  ))}
                </ul>
              </nav>
              <form method="post" action="/console/sign-out" class="who">
                <span>
                  {session.operator} · tenant <strong>{session.tenant}</strong>
                </span>
                <input type="hidden" name="_csrf" value={session.csrf} />
                <button type="submit">Sign out</button>
              </form>
            </>
          )}
        </header>
        <main id="main">
          <h1>{title}</h1>
          {flash && (
            <p class={`flash ${flash.kind}`} role={flash.kind === 'error' ? 'alert' : 'status'}>
              {flash.text}
            </p>
          )}
          {children}
        </main>
      </body>
    </html>
  );
}

/** A form that posts to the console with the session's CSRF token. */
export function ActionForm(props: {
  action: string;
  session: ConsoleSession;
  label: string;
  children?: Child;
  danger?: boolean;
}) {
  return (
    <form method="post" action={props.action} class="action">
      <input type="hidden" name="_csrf" value={props.session.csrf} />
      {props.children}
      <button type="submit" class={props.danger ? 'danger' : undefined}>
        {props.label}
      </button>
    </form>
  );
}

/** Seconds as "4 min" or "1 h 5 min". */
export function duration(seconds: number): string {
  if (seconds <= 0) return 'expired';
  if (seconds < 60) return `${Math.floor(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** A table that scrolls sideways on a narrow screen, reachable by keyboard. */
export function Scroll(props: { label: string; children?: Child }) {
  return (
    <div class="scroll" tabindex={0} role="region" aria-label={props.label}>
      {props.children}
    </div>
  );
}

/** A table's header row: one column header per name. */
export function Columns({ names }: { names: string[] }) {
  return (
    <thead>
      <tr>
        {names.map((name) => (
          <th scope="col">{name}</th>
        ))}
      </tr>
    </thead>
  );
}
