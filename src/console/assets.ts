/**
 * @module
 * The console's one stylesheet, served from the Worker at `/console/assets/` (its one script
 * module is `script.ts`): the Content-Security-Policy allows scripts and styles from the
 * console's own origin only, never inline.
 */

export const CONSOLE_CSS = `
:root { --ink: #1c2430; --muted: #56606e; --line: #d5dae1; --bg: #f6f7f9; --card: #fff;
  --accent: #1f5fbf; --ok: #17663a; --bad: #a1261b; --warn: #7a5200; font-family: system-ui, sans-serif; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: var(--bg); line-height: 1.45; }
a { color: var(--accent); }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 8px; top: 8px; background: var(--card); padding: 4px 8px; }
.top { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 24px; padding: 10px 16px;
  background: var(--card); border-bottom: 1px solid var(--line); }
.brand { font-weight: 700; }
.top nav ul { display: flex; flex-wrap: wrap; gap: 4px 16px; list-style: none; margin: 0; padding: 0; }
.top nav a[aria-current="page"] { font-weight: 700; color: var(--ink); }
.who { margin-left: auto; display: flex; gap: 8px; align-items: center; color: var(--muted); }
main { max-width: 1100px; margin: 0 auto; padding: 16px; }
h1 { font-size: 1.5rem; margin: 8px 0 16px; }
h2 { font-size: 1.1rem; margin: 20px 0 8px; }
button { font: inherit; padding: 6px 12px; border: 1px solid var(--accent); border-radius: 4px;
  background: var(--accent); color: #fff; cursor: pointer; }
button.danger { background: var(--bad); border-color: var(--bad); }
input, textarea { font: inherit; padding: 5px 8px; border: 1px solid #8a94a3; border-radius: 4px; max-width: 100%; }
label { display: inline-flex; gap: 6px; align-items: center; }
.flash { padding: 8px 12px; border-radius: 4px; border: 1px solid; }
.flash.ok { color: var(--ok); border-color: var(--ok); background: #eef8f1; }
.flash.error { color: var(--bad); border-color: var(--bad); background: #fbefee; }
.badge { display: inline-block; padding: 2px 8px; border-radius: 10px; border: 1px solid; }
.badge.ok { color: var(--ok); } .badge.bad { color: var(--bad); } .badge.warn { color: var(--warn); }
.empty { color: var(--muted); }
.cards { list-style: none; padding: 0; display: grid; gap: 12px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 12px 16px; }
.card h2 { margin-top: 0; font-size: 1rem; overflow-wrap: anywhere; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 8px 0; }
.facts dt { color: var(--muted); } .facts dd { margin: 0; overflow-wrap: anywhere; }
.decide { display: flex; flex-wrap: wrap; gap: 8px 24px; margin-top: 8px; }
.action { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin: 8px 0; }
.filters { display: flex; flex-wrap: wrap; gap: 8px 12px; align-items: center; margin-bottom: 12px; }
.filters input { width: 9rem; }
pre { background: var(--bg); padding: 8px; overflow-x: auto; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; background: var(--card); }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); }
th { color: var(--muted); font-weight: 600; }
.signin { max-width: 520px; }
.signin textarea { width: 100%; min-height: 7rem; }
.muted { color: var(--muted); }
.pill { display: inline-block; padding: 0 8px; border-radius: 10px; border: 1px solid; font-size: .9em; }
.pill.allow { color: var(--ok); } .pill.deny { color: var(--bad); } .pill.require_approval { color: var(--warn); }
select { font: inherit; padding: 4px 6px; border: 1px solid #8a94a3; border-radius: 4px; }
.banner { padding: 10px 14px; border-radius: 4px; border: 2px solid var(--bad); color: var(--bad); background: #fbefee; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 420px), 1fr)); gap: 12px; }
.chart { margin: 0; } .chart.wide { grid-column: 1 / -1; }
.chart svg { width: 100%; height: auto; display: block; }
.chart figcaption { color: var(--muted); font-size: .9em; margin-top: 4px; }
.bars rect.allow, .legend .allow { fill: var(--ok); } .bars rect.deny, .legend .deny { fill: var(--bad); }
.bars rect.require_approval, .legend .require_approval { fill: var(--warn); }
.bars rect.used { fill: var(--accent); } .bars rect.room { fill: var(--line); }
.bars text { font-size: 15px; fill: var(--ink); }
`;
