/**
 * The Chromium the browser tests drive, with nothing installed by hand: Debian's `chromium`
 * when the machine has it, otherwise the headless Chromium that the `@sparticuz/chromium`
 * devDependency ships inside its npm package. That build links NSS and NSPR, which a bare
 * Debian lacks; the package carries them (`al2023.tar.br`), so they are unpacked beside it
 * and put on the browser's library path. Never a downloaded browser.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createReadStream } from 'node:fs';
import { createBrotliDecompress } from 'node:zlib';
import { chromium, type Browser, type LaunchOptions } from 'playwright-core';

const DEBIAN_CHROMIUM = '/usr/bin/chromium';

/** Which Chromium: `TOLLGATE_CHROMIUM=bundled` forces the npm one, as on a machine without Debian's. */
export type ChromiumSource = 'debian' | 'bundled';

// No GPU, no network beyond the test's own loopback pages, and root in CI needs no sandbox.
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Unpacks a `.tar.br` archive into `into` (the system's tar reads the decompressed stream). */
async function untarBrotli(archive: string, into: string): Promise<void> {
  mkdirSync(into, { recursive: true });
  const tar = spawn('tar', ['-x', '-C', into], { stdio: ['pipe', 'ignore', 'inherit'] });
  createReadStream(archive).pipe(createBrotliDecompress()).pipe(tar.stdin);
  const code = await new Promise<number | null>((resolve) => tar.on('exit', resolve));
  if (code !== 0) throw new Error(`unpacking ${archive} failed (tar exited ${code})`);
}

async function bundledChromium(): Promise<{ executablePath: string; env: Record<string, string> }> {
  const { default: Chromium } = await import('@sparticuz/chromium');
  const executablePath = await Chromium.executablePath();
  const binDir = join(dirname(createRequire(import.meta.url).resolve('@sparticuz/chromium')), '..', 'bin');
  const libs = join(tmpdir(), 'tollgate-chromium-libs');
  if (!existsSync(join(libs, 'lib'))) await untarBrotli(join(binDir, 'al2023.tar.br'), libs);
  const env = { ...(process.env as Record<string, string>) };
  env.LD_LIBRARY_PATH = [join(libs, 'lib'), env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  return { executablePath, env };
}

export function chromiumSource(): ChromiumSource {
  if (process.env.TOLLGATE_CHROMIUM === 'bundled') return 'bundled';
  return existsSync(DEBIAN_CHROMIUM) ? 'debian' : 'bundled';
}

/** Launches headless Chromium for a test. */
export async function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  const found =
    chromiumSource() === 'debian' ? { executablePath: DEBIAN_CHROMIUM, env: undefined } : await bundledChromium();
  return chromium.launch({ ...options, ...found, headless: true, args: [...ARGS, ...(options.args ?? [])] });
}
