/**
 * @module
 * Runs `wrangler dev` as its own process group, so that stopping it stops everything it
 * started (wrangler spawns workerd): nothing is left running after Ctrl-C or a test.
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { createRequire } from 'node:module';

export interface WranglerDev {
  child: ChildProcess;
  /** Resolves with the exit code once the whole group has exited. */
  exited: Promise<number>;
  /** Stops the whole process group. */
  stop(): void;
}

export function startWranglerDev(port: number, extraArgs: string[], stdio: StdioOptions): WranglerDev {
  const wrangler = createRequire(import.meta.url).resolve('wrangler/bin/wrangler.js');
  const child = spawn(process.execPath, [wrangler, 'dev', '--port', String(port), '--ip', '127.0.0.1', '--local', ...extraArgs], { stdio, detached: true });
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
