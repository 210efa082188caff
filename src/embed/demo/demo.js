// The policy playground: compiles the policy as you type, shows the checker's errors inline,
// and decides the request with the embedded evaluator, loaded by URL.
import { compilePolicies, createEngine, PolicyError } from './tollgate-embed.js';

const policyBox = document.querySelector('#policy');
const requestBox = document.querySelector('#request');
const check = document.querySelector('#check');
const result = document.querySelector('#result');
const wasm = await WebAssembly.compileStreaming(fetch('./policy.wasm'));
let engine = null;

policyBox.value = `rules:
  - id: analysts-read
    effect: allow
    actions: ["db.query"]
    resources: ["db:**"]
    roles: [analyst]
    when: context.rows <= 1000
    limits: { rate: 5/minute }
    reason: "Analysts may read up to 1,000 rows"
  - id: no-drop
    effect: deny
    actions: ["db.*"]
    when: params.sql.contains("drop")
dlp:
  - detect: [aws_key, private_key]
    effect: deny
`;
requestBox.value = JSON.stringify(
  {
    agent: { id: 'analyst-1', roles: ['analyst'] },
    action: 'db.query',
    resource: 'db:prod/users',
    params: { sql: 'select 1' },
    context: { rows: 120 },
  },
  null,
  2,
);

function escape(text) {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
}

async function compile() {
  try {
    const bundle = compilePolicies({ 'policy.yaml': policyBox.value });
    engine = await createEngine({ bundle, wasm });
    check.innerHTML = `<div class="ok">✓ compiled: ${bundle.bytes.length} bytes, ${escape(bundle.hash.slice(0, 19))}…</div>`;
  } catch (err) {
    engine = null;
    const errors =
      err instanceof PolicyError ? err.errors : [{ line: 0, col: 0, code: 'error', message: String(err.message) }];
    check.innerHTML = `<ul class="errors">${errors.map((e) => `<li>line ${e.line}:${e.col} ${escape(e.code)} ${escape(e.message)}</li>`).join('')}</ul>`;
  }
}

function decide() {
  if (!engine) {
    result.innerHTML = '<span class="muted">Fix the policy first.</span>';
    return;
  }
  let request;
  try {
    request = JSON.parse(requestBox.value);
  } catch (err) {
    result.innerHTML = `<ul class="errors"><li>request is not valid JSON: ${escape(err.message)}</li></ul>`;
    return;
  }
  const started = performance.now();
  const d = engine.decide(request);
  const micros = ((performance.now() - started) * 1000).toFixed(0);
  result.innerHTML = `<div class="decision ${d.decision}">${d.decision}</div>
    <div class="muted">code ${escape(d.code)} · decided in ${micros} µs</div>
    <ul class="reasons">${d.reasons.map((r) => `<li>${r.rule ? `<b>${escape(r.rule)}</b>: ` : ''}${escape(r.message)}</li>`).join('')}</ul>
    ${d.errors.length ? `<ul class="errors">${d.errors.map((e) => `<li>${escape(e.rule)}: ${escape(e.message)}</li>`).join('')}</ul>` : ''}`;
}

let timer = 0;
policyBox.addEventListener('input', () => {
  clearTimeout(timer);
  timer = setTimeout(compile, 150);
});
document.querySelector('#decide').addEventListener('click', decide);
await compile();
document.body.dataset.ready = 'true';
