/**
 * @module
 * `npm run demo`: serves build/browser/ (the policy playground) on localhost.
 */
import { readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';

const root = 'build/browser';
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
};

/** A static file server for one folder; never serves outside it. */
export function serveFolder(folder: string) {
  return createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(
      /^(\.\.[/\\])+/,
      '',
    );
    const file = join(folder, path.endsWith('/') ? `${path}index.html` : path);
    if (!file.startsWith(folder) || !statSync(file, { throwIfNoEntry: false })?.isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path}`);
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
}

if (process.argv[1]?.endsWith('serve-demo.ts') || process.argv[1]?.endsWith('serve-demo.js')) {
  const port = Number(process.env.PORT ?? 8788);
  serveFolder(root).listen(port, '127.0.0.1', () =>
    console.log(`Tollgate policy playground: http://127.0.0.1:${port}/`),
  );
}
