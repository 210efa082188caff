/** @jsxImportSource hono/jsx */
/**
 * @module
 * Small server-rendered SVG charts, no charting framework: bars per minute, and labelled
 * horizontal bars. Each is a figure whose SVG is an image with a text alternative, and
 * whose numbers are also written out, so nothing is only in the picture.
 */
import type { MinuteCounts } from '../worker/audit/summary.js';

const DECISIONS = ['allow', 'require_approval', 'deny'] as const;

/** Decisions per minute, stacked by decision. */
export function DecisionsPerMinute({ minutes }: { minutes: MinuteCounts[] }) {
  const width = 1000;
  const height = 160;
  const slot = width / Math.max(1, minutes.length);
  const total = (m: MinuteCounts) => m.allow + m.deny + m.require_approval;
  const max = Math.max(1, ...minutes.map(total));
  const sum = minutes.reduce((n, m) => n + total(m), 0);
  const label = `${sum} decisions in the last ${minutes.length} minutes, at most ${max} in one minute`;
  return (
    <figure class="chart card wide">
      <svg viewBox={`0 0 ${width} ${height + 20}`} role="img" aria-label={label} class="bars">
        {minutes.map((m, i) => {
          let y = height;
          return DECISIONS.map((d) => {
            const h = (m[d] / max) * height;
            y -= h;
            return h > 0 ? (
              <rect
                class={d}
                x={(i * slot + 1).toFixed(1)}
                y={y.toFixed(1)}
                width={(slot - 2).toFixed(1)}
                height={h.toFixed(1)}
              />
            ) : null;
          });
        })}
        <text x="0" y={height + 16}>
          {minutes[0]?.minute.slice(11) ?? ''}
        </text>
        <text x={width} y={height + 16} text-anchor="end">
          {minutes.at(-1)?.minute.slice(11) ?? ''} UTC
        </text>
      </svg>
      <figcaption>
        Decisions per minute: {label}.{' '}
        <span class="legend">
          {DECISIONS.map((d) => (
            <span class={`pill ${d}`}>{d}</span>
          ))}
        </span>
      </figcaption>
    </figure>
  );
}

export interface Bar {
  label: string;
  value: number;
  /** The bar's full length (a budget's limit); the largest value when absent. */
  of?: number;
  /** `allow`, `deny`, `require_approval` or `used`. */
  kind: string;
  /** What the row says beside its bar. */
  text: string;
}

/** Labelled horizontal bars: a split, denies by code, spend against budgets. */
export function HorizontalBars({ title, bars, empty }: { title: string; bars: Bar[]; empty: string }) {
  if (bars.length === 0)
    return (
      <figure class="chart card">
        <figcaption>{title}</figcaption>
        <p class="empty">{empty}</p>
      </figure>
    );
  const row = 30;
  const width = 600;
  const barAt = 190;
  const barWidth = 230;
  const max = Math.max(1, ...bars.map((b) => b.value));
  return (
    <figure class="chart card">
      <svg
        viewBox={`0 0 ${width} ${bars.length * row}`}
        role="img"
        aria-label={`${title}: ${bars.map((b) => `${b.label} ${b.text}`).join('; ')}`}
        class="bars"
      >
        {bars.map((b, i) => {
          const full = b.of ?? max;
          const length = full > 0 ? Math.min(1, b.value / full) * barWidth : 0;
          return (
            <>
              <text x="0" y={i * row + 20}>
                {b.label.length > 20 ? `${b.label.slice(0, 19)}…` : b.label}
              </text>
              {b.of !== undefined && <rect class="room" x={barAt} y={i * row + 6} width={barWidth} height="18" />}
              <rect class={b.kind} x={barAt} y={i * row + 6} width={length.toFixed(1)} height="18" />
              <text x={barAt + barWidth + 8} y={i * row + 20}>
                {b.text}
              </text>
            </>
          );
        })}
      </svg>
      <figcaption>{title}</figcaption>
    </figure>
  );
}
