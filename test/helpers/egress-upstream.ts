/**
 * The demo API the edge tests' egress upstream stands for: a real HTTP server on loopback
 * (vitest global setup, in Node), at the port `policies/egress.yaml` declares. It answers
 * with what it received (so tests see exactly what the proxy sent), and `/redirect-*`
 * answers with redirects the SSRF guard must refuse.
 */
import { createServer } from 'node:http';

export const EGRESS_PORT = 18790;

export default async function startEgressUpstream(): Promise<() => Promise<void>> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      if (req.url === '/redirect-metadata')
        return void res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
      if (req.url === '/redirect-elsewhere') return void res.writeHead(302, { location: 'http://127.0.0.1:1/' }).end();
      if (req.url === '/empty') return void res.writeHead(204).end();
      res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(EGRESS_PORT, '127.0.0.1', resolve);
  });
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}
