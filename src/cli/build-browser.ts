/**
 * @module
 * Builds the browser files into build/browser/: `tollgate-embed.js` (the embed entry as one
 * ESM file, bundled by esbuild as any bundler would), `policy.wasm` to load by URL, and the
 * demo page. `npm run demo` serves them.
 */
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { writeIfChanged } from './write-if-changed.js';

const out = 'build/browser';
const bundled = await build({
  entryPoints: ['dist/embed/index.js'],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  minify: true,
  write: false,
  outfile: `${out}/tollgate-embed.js`,
});
const files: [string, Uint8Array][] = [
  ['tollgate-embed.js', bundled.outputFiles[0].contents],
  ['policy.wasm', readFileSync('build/policy.wasm')],
  ['index.html', readFileSync('src/embed/demo/index.html')],
  ['demo.js', readFileSync('src/embed/demo/demo.js')],
];
const wrote = files.filter(([name, bytes]) => writeIfChanged(`${out}/${name}`, bytes)).map(([name]) => name);
console.log(`${out}/: ${files.map(([name]) => name).join(', ')}${wrote.length === 0 ? ' (unchanged)' : ''}`);
