/** @jsxImportSource hono/jsx */
/**
 * @module
 * Rendering a console page: the shell with the signed-in session, and the flash message a
 * redirect announced (by code only: no text from the URL is ever shown).
 */
import type { ConsoleContext } from './api.js';
import { Page, type PageProps } from './layout.js';

const FLASHES: Record<string, string> = {
  approved: 'Approved. The agent can now claim its ticket.',
  denied: 'Denied. The agent is told at once.',
  suspended: 'Suspended: its next decision is refused.',
  resumed: 'Resumed.',
  halted: 'Tenant halted: every agent is suspended until you resume it.',
  running: 'Halt lifted: agents suspended on their own stay suspended.',
};

export type Status = 200 | 400 | 401 | 403 | 404 | 503;

export function render(c: ConsoleContext, props: Omit<PageProps, 'session'>, status: Status = 200) {
  const done = FLASHES[c.req.query('done') ?? ''];
  const flash = props.flash ?? (done ? { kind: 'ok' as const, text: done } : null);
  return c.html(<Page {...props} flash={flash} session={c.get('session') ?? null} />, status);
}

/** A page that only says what went wrong. */
export function renderError(c: ConsoleContext, title: string, text: string, status: Status, current?: string) {
  return render(c, { title, current, flash: { kind: 'error', text } }, status);
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);
