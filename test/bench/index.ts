/**
 * `npm run bench`: Tollgate's embedded evaluator beside its peers, measured in one run on
 * the same generated 50- and 100-rule agent policies, after checking that every engine
 * agrees on every request; the stateful `engine.decide` on those policies with limits and on
 * the demo policies, and the memory store's size per agent. Then scaling with policy size,
 * compile time and module size.
 */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
// The compiled package (tsc output in dist/), as users run it.
import { WasmEvaluator } from '../../dist/engine/wasm-evaluator.js';
import { compilePolicies } from '../../dist/policy/compile.js';
import { loadPolicies } from '../../dist/policy/load.js';
import { evaluateReference } from '../../dist/policy/reference/evaluate.js';
import { benchRequests, benchRules, toTollgateFiles } from './agent-policy.js';
import { evaluatorRows, formatNs, formatRate, measure, type Measurement } from './measure.js';
import { cedarDecider, celDecider } from './peers.js';
import { dlpAndRegex } from './dlp-and-regex.js';
import {
  demoPolicy,
  engineRequests,
  limitedFiles,
  memoryPerAgent,
  statefulRows,
  type StatefulRows,
} from './stateful.js';

const wasmBytes = readFileSync(new URL('../../build/policy.wasm', import.meta.url));
const wasmModule = new WebAssembly.Module(wasmBytes);
const quick = process.argv.includes('--quick');
const seconds = quick ? 0.3 : 1;

async function tollgateFor(ruleCount: number) {
  const rules = benchRules(ruleCount);
  const files = toTollgateFiles(rules);
  const loaded = loadPolicies(files);
  if (!loaded.ok) throw new Error(`bench policy is invalid: ${loaded.errors[0].message}`);
  const evaluator = await WasmEvaluator.create(wasmModule, compilePolicies(files).bytes);
  return { rules, policy: loaded.policy, evaluator };
}

function table(rows: Measurement[], baseline: Measurement): void {
  console.log(
    `  ${'engine'.padEnd(34)} ${'decisions/s'.padStart(12)} ${'p50'.padStart(10)} ${'p99'.padStart(10)}   Tollgate (JS input) is`,
  );
  for (const m of rows) {
    const x = baseline.perSecond / m.perSecond;
    const ratio = m === baseline ? '' : x >= 1 ? `${x.toFixed(1)}× faster` : `${(1 / x).toFixed(1)}× slower`;
    console.log(
      `  ${m.name.padEnd(34)} ${formatRate(m.perSecond).padStart(12)} ${formatNs(m.p50ns).padStart(10)} ${formatNs(m.p99ns).padStart(10)}   ${ratio}`,
    );
  }
}

async function peerComparison(ruleCount: number): Promise<Measurement> {
  const { rules, policy, evaluator } = await tollgateFor(ruleCount);
  const requests = benchRequests(rules, 2000);
  const cedar = cedarDecider(rules);
  const cel = celDecider(rules);

  // Agreement first: every engine must give the same decision on every request.
  const counts = { allow: 0, deny: 0 };
  for (const r of requests) {
    const ours = evaluator.evaluate(r).decision;
    const answers = { reference: evaluateReference(policy, r).decision, cedar: cedar(r), cel: cel(r) };
    for (const [engine, d] of Object.entries(answers)) {
      if (d !== ours) throw new Error(`${engine} decided ${d} but tollgate decided ${ours} for ${JSON.stringify(r)}`);
    }
    counts[ours as 'allow' | 'deny']++;
  }
  console.log(
    `\n${ruleCount}-rule agent policy: ${requests.length} requests (${counts.allow} allow, ${counts.deny} deny), all engines agree`,
  );

  const [js, encoded] = evaluatorRows(evaluator, requests, seconds);
  const rows = [
    js,
    encoded,
    measure('tollgate reference (TypeScript)', requests, (r) => evaluateReference(policy, r), seconds),
    measure('@cedar-policy/cedar-wasm', requests, cedar, seconds),
    measure('@marcbachmann/cel-js', requests, cel, seconds),
    measure('JSON round trip of the request', requests, (r) => JSON.parse(JSON.stringify(r)), seconds),
  ];
  table(rows, js);

  // The same policy with a rate limit and a budget on every allow rule: the pure evaluator
  // beside the stateful engine.decide embedders call, over 10,000 agents.
  const limited = await statefulRows(wasmModule, limitedFiles(rules), engineRequests(requests), seconds);
  console.log(`  with a rate limit and a budget on every allow rule, over 10,000 agents:`);
  table([limited.pure, limited.encoded, limited.stateful, rows[3], rows[4]], limited.pure);
  statefulTargets(limited);
  return js;
}

/** The stateful path's targets (DESIGN §6): ≥ 1,000,000 decisions/s, and ≤ 1.5× the pure evaluator's cost. */
function statefulTargets(rows: StatefulRows): void {
  const cost = rows.pure.perSecond / rows.stateful.perSecond;
  console.log(
    `  engine.decide: ${formatRate(rows.stateful.perSecond)}/s (target ≥ 1M: ${rows.stateful.perSecond >= 1e6 ? 'met' : 'missed'}), ` +
      `${cost.toFixed(2)}× the pure evaluator's cost per decision (target ≤ 1.5×: ${cost <= 1.5 ? 'met' : 'missed'})`,
  );
}

/** The demo policies (policies/), with their own rate limits, budgets, risk and DLP. */
async function demoComparison(): Promise<void> {
  const { files, requests } = demoPolicy();
  const rows = await statefulRows(wasmModule, files, requests, seconds);
  console.log(
    `\nDemo policies (policies/, with their limits, risk and DLP), ${requests.length} agents; the peers can't express them:`,
  );
  table([rows.pure, rows.encoded, rows.stateful], rows.pure);
  statefulTargets(rows);
  const memory = await memoryPerAgent(wasmModule, files, requests[0], 100_000);
  if (memory === null) console.log('  memory per agent: not measured (run with --expose-gc)');
  else
    console.log(
      `  memory store, 100,000 agents with one allowed decision each: ${memory.totalMiB.toFixed(0)} MiB, ` +
        `${memory.bytesPerAgent.toFixed(0)} bytes per agent (bound ≤ ${MEMORY_BOUND_BYTES} bytes per agent, ${((MEMORY_BOUND_BYTES * 100_000) / 2 ** 20).toFixed(0)} MiB: ${memory.bytesPerAgent <= MEMORY_BOUND_BYTES ? 'within' : 'over'})`,
    );
}

/** What one agent may cost the memory store (its record, windows, ledgers and one open decision). */
const MEMORY_BOUND_BYTES = 4096;

async function scaling(): Promise<void> {
  console.log('\nScaling with policy size (tollgate wasm, JS object input)');
  let first = 0;
  for (const n of [10, 100, 1000, 10_000]) {
    const { rules, evaluator } = await tollgateFor(n);
    const m = measure(`${n} rules`, benchRequests(rules, 2000), (r) => evaluator.evaluate(r), seconds);
    const ns = 1e9 / m.perSecond;
    first ||= ns;
    const growth = ns / first;
    console.log(
      `  ${String(n).padStart(6)} rules  ${formatNs(ns).padStart(10)} per decision   ${growth.toFixed(2)}× the 10-rule cost${n === 10_000 ? ` (target ≤ 2×: ${growth <= 2 ? 'met' : 'missed'})` : ''}`,
    );
  }
  const files = toTollgateFiles(benchRules(10_000));
  const size = Object.values(files).reduce((n, text) => n + text.length, 0);
  const started = performance.now();
  const bundle = compilePolicies(files);
  const compileSeconds = (performance.now() - started) / 1000;
  console.log(
    `  compiling 10,000 rules (${(size / 1024).toFixed(0)} KiB of YAML in ${Object.keys(files).length} files): ${compileSeconds.toFixed(2)} s (target ≤ 2 s: ${compileSeconds <= 2 ? 'met' : 'missed'}), bundle ${(bundle.bytes.length / 1024).toFixed(0)} KiB`,
  );
}

console.log(
  `Tollgate benchmarks: node ${process.version}, ${process.execArgv.join(' ') || 'no flags'}${quick ? ', quick mode' : ''}`,
);
const results: Measurement[] = [];
for (const n of [50, 100]) results.push(await peerComparison(n));
await demoComparison();
await scaling();
const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
console.log(
  `\nModule size: policy.wasm ${kib(wasmBytes.length)} raw, ${kib(gzipSync(wasmBytes, { level: 9 }).length)} gzipped (target ≤ 64 KiB gzipped)`,
);
// The embed entry as a bundler would ship it: minified ESM, with the WASM inlined as base64.
// With the compiler (and its YAML parser), and without: an app that fetches compiled bundles.
for (const [what, source] of [
  ['tollgate/embed, whole entry', "export * from './dist/embed/index.js';"],
  ['createEngine only (no compiler)', "export { createEngine } from './dist/embed/engine.js';"],
]) {
  const out = await build({
    stdin: { contents: source, resolveDir: '.' },
    bundle: true,
    minify: true,
    format: 'esm',
    write: false,
    platform: 'neutral',
  });
  const bytes = out.outputFiles[0].contents;
  console.log(
    `Embed size, ${what} (minified, WASM inlined): ${kib(bytes.length)} raw, ${kib(gzipSync(bytes, { level: 9 }).length)} gzipped`,
  );
}
await dlpAndRegex();
const worst = results.reduce((a, b) => (a.perSecond < b.perSecond ? a : b));
// Audit verification: 100,000 records in 100 signed segments, verified offline.
{
  const { ChainWriter, GENESIS_HASH } = await import('../../dist/audit/chain.js');
  const { writeSegment } = await import('../../dist/audit/segment.js');
  const { verifyChain } = await import('../../dist/audit/verify.js');
  const { exportJWK, generateKeyPair } = await import('jose');
  const pair = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const key = { ...(await exportJWK(pair.privateKey)), kid: 'bench' };
  const jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'bench' }] };
  const writer = new ChainWriter();
  const texts: string[] = [];
  let prev = GENESIS_HASH;
  for (let s = 0; s < 100; s++) {
    const batch = Array.from({ length: 1000 }, (_, i) =>
      writer.append({
        time: new Date(1_800_000_000_000 + i).toISOString(),
        tenant: 'acme',
        agent: 'a1',
        kind: 'decision',
        action: 'db.query',
        resource: 'db:prod/users',
        decision: 'allow',
        code: 'rule',
        rules: ['db-read'],
        policy_hash: 'sha256:00',
      }),
    );
    texts.push((await writeSegment('acme', 'a1', prev, batch, key)).text);
    prev = writer.headHash;
  }
  // As `tollgate audit verify` runs it: with Node's native SHA-256.
  const { nodeLinkHash } = await import('../../dist/cli/node-link-hash.js');
  // The median of three passes, after one to warm up.
  const passes: number[] = [];
  for (let pass = 0; pass < 4; pass++) {
    const started = performance.now();
    const verified = await verifyChain(texts, jwks, { linkHash: nodeLinkHash });
    if (!verified.ok) throw new Error('the benchmark chain did not verify');
    if (pass > 0) passes.push(100_000 / ((performance.now() - started) / 1000));
  }
  const perSecond = passes.sort((a, b) => a - b)[1];
  console.log(
    `Audit verification: 100,000 records in 100 segments at ${formatRate(perSecond)} records/s (target ≥ 200k: ${perSecond >= 200_000 ? 'met' : 'missed'})`,
  );
}
const p99 = Math.max(...results.map((r) => r.p99ns));
console.log(
  `Targets: ≥2,000,000 decisions/s → ${formatRate(worst.perSecond)} (${worst.perSecond >= 2e6 ? 'met' : 'missed'}); p99 ≤ 2 µs → ${formatNs(p99)} (${p99 <= 2000 ? 'met' : 'missed'})`,
);
