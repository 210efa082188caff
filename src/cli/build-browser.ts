/**
 * @module
 * Builds the browser files into build/browser/: `tollgate-embed.js` (the embed entry as one
 * ESM file, bundled by esbuild as any bundler would), `policy.wasm` to load by URL, and the
 * demo page. `npm run demo` serves them.
 */
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';

const out = 'build/browser';
mkdirSync(out, { recursive: true });
await build({ entryPoints: ['dist/embed/index.js'], bundle: true, format: 'esm', platform: 'browser', minify: true, outfile: `${out}/tollgate-embed.js` });
copyFileSync('build/policy.wasm', `${out}/policy.wasm`);
copyFileSync('src/embed/demo/index.html', `${out}/index.html`);
copyFileSync('src/embed/demo/demo.js', `${out}/demo.js`);
console.log(`${out}/: tollgate-embed.js, policy.wasm, index.html, demo.js`);
