/**
 * @module
 * Runs `wrangler dev` as its own process group, so that stopping it stops everything it
 * started (wrangler spawns workerd): nothing is left running after Ctrl-C or a test.
 */
import { spawn, spawnSync, type ChildProcess, type StdioOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface WranglerDev {
  child: ChildProcess;
  /** Resolves with the exit code once the whole group has exited. */
  exited: Promise<number>;
  /** Stops the whole process group. */
  stop(): void;
}

/** Raised when neither the project nor Tollgate's own install has wrangler (a peer dependency). */
export class WranglerMissingError extends Error {
  readonly code = 'wrangler_missing';
  constructor() {
    super(
      'wrangler is not installed: it runs the local edge. Install it in this project with\n  npm install --save-dev wrangler',
    );
  }
}

/**
 * The wrangler CLI script: the project's own wrangler first (where `tollgate` runs from), then
 * one installed beside Tollgate. Read from wrangler's package.json, since its exports hide `bin/`.
 */
export function wranglerBin(): string {
  for (const from of [join(process.cwd(), 'package.json'), import.meta.url]) {
    let manifest: string;
    try {
      manifest = createRequire(from).resolve('wrangler/package.json');
    } catch {
      continue;
    }
    const { bin } = JSON.parse(readFileSync(manifest, 'utf8')) as { bin: Record<string, string> };
    return join(dirname(manifest), bin.wrangler);
  }
  throw new WranglerMissingError();
}

/**
 * Applies the audit index's D1 migrations (src/audit/migrations) to the local database.
 * Already-applied migrations are skipped, so this is safe on every start.
 */
export function applyLocalMigrations(): { ok: boolean; output: string } {
  const run = spawnSync(process.execPath, [wranglerBin(), 'd1', 'migrations', 'apply', 'AUDIT_DB', '--local'], {
    encoding: 'utf8',
    env: { ...process.env, CI: 'true' },
  });
  return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
}

export function startWranglerDev(port: number, extraArgs: string[], stdio: StdioOptions): WranglerDev {
  const wrangler = wranglerBin();
  const child = spawn(
    process.execPath,
    [wrangler, 'dev', '--port', String(port), '--ip', '127.0.0.1', '--local', ...extraArgs],
    { stdio, detached: true },
  );
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 0)));
  const stop = () => {
    if (child.pid === undefined || child.exitCode !== null) return;
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  };
  return { child, exited, stop };
}
