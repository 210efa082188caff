/**
 * The SSRF guard, against real HTTP servers on loopback (local development allows loopback;
 * everything else it refuses before any request is made).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkEgressUrl, guardedFetch, MAX_REDIRECTS } from '../../src/egress/guard.js';

const dev = { allowLoopback: true };
const refused = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (err: { code?: string; message: string }) => err,
  );

describe('checkEgressUrl', () => {
  it.each([
    ['http://10.0.0.1/', /private/],
    ['https://192.168.0.10/', /private/],
    ['https://[fd00::1]/', /private/],
    ['https://169.254.169.254/latest/meta-data/', /metadata/],
    ['https://[fd00:ec2::254]/', /metadata/],
    ['https://metadata.google.internal/computeMetadata/v1/', /metadata/],
    ['https://169.254.1.1/', /link-local/],
    ['https://[fe80::1]/', /link-local/],
    ['https://127.0.0.1/', /loopback/],
    ['https://localhost/', /loopback/],
    ['https://[::1]/', /loopback/],
    ['https://[::ffff:127.0.0.1]/', /loopback/],
    ['https://2130706433/', /loopback/], // 127.0.0.1 as one decimal number
    ['https://0x7f.1/', /loopback/], // and in hex shorthand
    ['https://0177.0.0.1/', /loopback/], // and in octal
    ['https://0.0.0.0/', /unspecified/],
    ['https://224.0.0.1/', /multicast/],
    ['https://db.internal/', /private/],
    ['https://printer.local/', /private/],
  ])('refuses %s', async (url, why) => {
    expect(await refused(checkEgressUrl(url))).toMatchObject({
      code: 'egress_refused',
      message: expect.stringMatching(why),
    });
  });

  it('refuses other schemes, credentials, plain http to anything but loopback, and what is no URL', async () => {
    for (const [url, why] of [
      ['file:///etc/passwd', /file: URLs/],
      ['ftp://example.com/', /ftp: URLs/],
      ['https://user:pass@example.com/', /credentials/],
      ['http://example.com/', /https/],
      ['not a url', /not a URL/],
    ] as const)
      expect(await refused(checkEgressUrl(url)), url).toMatchObject({
        code: 'egress_refused',
        message: expect.stringMatching(why),
      });
  });

  it('allows public addresses and names, and loopback (over http too) only in local development', async () => {
    expect((await checkEgressUrl('https://93.184.215.14/mcp')).hostname).toBe('93.184.215.14');
    expect((await checkEgressUrl('https://mcp.example.com/mcp')).hostname).toBe('mcp.example.com');
    expect((await checkEgressUrl('http://127.0.0.1:8788/mcp', dev)).port).toBe('8788');
    expect(await refused(checkEgressUrl('http://127.0.0.1:8788/mcp'))).toMatchObject({ code: 'egress_refused' });
  });

  it('checks every DNS answer where the platform gives them', async () => {
    // A resolver that answers as DNS would for a name pointed at internal addresses (DNS
    // itself can't be steered from a test).
    const resolve = async (host: string) =>
      host === 'rebind.example.com' ? ['93.184.215.14', '10.1.2.3'] : ['93.184.215.14'];
    expect(await refused(checkEgressUrl('https://rebind.example.com/', { resolve }))).toMatchObject({
      code: 'egress_refused',
      message: expect.stringMatching(/rebind\.example\.com \(10\.1\.2\.3\) is a private address/),
    });
    expect((await checkEgressUrl('https://mcp.example.com/', { resolve })).hostname).toBe('mcp.example.com');
    expect(await refused(checkEgressUrl('https://void.example.com/', { resolve: async () => [] }))).toMatchObject({
      message: expect.stringMatching(/does not resolve/),
    });
  });
});

describe('guardedFetch', () => {
  let upstream: Server;
  let other: Server;
  let base = '';
  let otherBase = '';
  const seen: string[] = [];

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      seen.push(req.url ?? '');
      const to: Record<string, string> = {
        '/same-origin': '/ok',
        '/cross-origin': `${otherBase}/ok`,
        '/metadata': 'http://169.254.169.254/latest/meta-data/',
        '/loop': '/loop',
      };
      if (to[req.url ?? '']) res.writeHead(302, { location: to[req.url!] }).end();
      else res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
    other = createServer((req, res) => {
      seen.push(`other${req.url}`);
      res.end('other');
    });
    for (const s of [upstream, other]) await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    otherBase = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    upstream.close();
    other.close();
  });

  it('follows a redirect within the origin', async () => {
    const res = await guardedFetch(`${base}/same-origin`, {}, dev);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('ok');
  });

  it('refuses a redirect to another origin, or to a metadata address, without calling it', async () => {
    seen.length = 0;
    expect(await refused(guardedFetch(`${base}/cross-origin`, {}, dev))).toMatchObject({
      code: 'egress_refused',
      message: expect.stringMatching(/another origin/),
    });
    expect(await refused(guardedFetch(`${base}/metadata`, {}, dev))).toMatchObject({ code: 'egress_refused' });
    expect(seen).toEqual(['/cross-origin', '/metadata']);
  });

  it('stops after a bounded number of redirects', async () => {
    seen.length = 0;
    expect(await refused(guardedFetch(`${base}/loop`, {}, dev))).toMatchObject({
      message: expect.stringMatching(/redirects/),
    });
    expect(seen.length).toBe(MAX_REDIRECTS + 1);
  });

  it('makes no request at all to a refused URL', async () => {
    let called = false;
    const fetcher = (async () => ((called = true), new Response('x'))) as typeof fetch;
    expect(await refused(guardedFetch('https://10.0.0.1/', {}, {}, fetcher))).toMatchObject({ code: 'egress_refused' });
    expect(called).toBe(false);
  });
});
