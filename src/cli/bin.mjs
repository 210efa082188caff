#!/usr/bin/env node
// The `tollgate` CLI. Runs the compiled CLI from dist/ (built by `npm ci` / `npm run build`),
// or, in a checkout that has not been built, the TypeScript sources through tsx.
import { existsSync } from 'node:fs';

const dist = new URL('../../dist/cli/main.js', import.meta.url);
let main;
if (existsSync(dist)) {
  ({ main } = await import(dist.href));
} else {
  await import('tsx/esm');
  ({ main } = await import(new URL('./main.ts', import.meta.url).href));
}
process.exitCode = await main(process.argv.slice(2));
