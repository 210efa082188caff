/**
 * `npm start` as a test meets it: `tollgate dev` on a port of its own, as its own process
 * group (so stopping it stops wrangler and workerd too), with its output kept.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface LocalEdge {
  base: string;
  child: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
  stop(): void;
}

export async function startLocalEdge(port: number, cwd = process.cwd()): Promise<LocalEdge> {
  const child = spawn(process.execPath, ['src/cli/bin.mjs', 'dev', '--port', String(port)], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CI: 'true' },
    detached: true,
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const stop = () => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  };
  const deadline = Date.now() + 120_000;
  while (!out.includes('More tokens:') && Date.now() < deadline && child.exitCode === null)
    await new Promise((r) => setTimeout(r, 200));
  if (!out.includes('More tokens:')) {
    stop();
    throw new Error(`the local edge did not come up on port ${port}:\n${out.slice(-2000)}`);
  }
  return { base: `http://127.0.0.1:${port}`, child, output: () => out, stop };
}
