/**
 * @module
 * Runs `wrangler dev` as its own process group, so that stopping it stops everything it
 * started (wrangler spawns workerd): nothing is left running after Ctrl-C or a test.
 */
import { spawn, spawnSync, type ChildProcess, type StdioOptions } from 'node:child_process';
import { createRequire } from 'node:module';

export interface WranglerDev {
  child: ChildProcess;
  /** Resolves with the exit code once the whole group has exited. */
  exited: Promise<number>;
  /** Stops the whole process group. */
  stop(): void;
}

const wranglerBin = () => createRequire(import.meta.url).resolve('wrangler/bin/wrangler.js');

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
