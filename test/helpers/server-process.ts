// The real server as a child process (`node dist/src/server.js`), for crash, signal and multi-process tests.
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { projectRoot } from '../../src/paths.js';
import { STATION_TOKEN } from './app.js';

export interface ServerProcess {
  child: ChildProcess;
  port: number;
  base: string;
  /** Resolves once the server logged "ready"; rejects if it exits first or takes over a minute. */
  ready: Promise<void>;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** SIGTERM, then waits for the exit; SIGKILL if it is still running after 20 s. */
  stop(): Promise<void>;
}

export function startServerProcess(port: number, env: Record<string, string>): ServerProcess {
  const child = spawn(process.execPath, [path.join(projectRoot, 'dist/src/server.js')], {
    env: { ...process.env, DATABASE_URL: '', HOST: '127.0.0.1', FACE_WORKERS: '1', ADMIN_TOKEN: '', STATION_TOKEN, ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const ready = (async () => {
    const deadline = Date.now() + 60_000;
    while (!/"msg":"ready"/.test(out)) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`server did not start:\n${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return {
    child,
    port,
    base: `http://127.0.0.1:${port}`,
    ready,
    output: () => out,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
