import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';

const BIN = path.join(__dirname, '..', '..', 'bin', 'winnow.js');

/** A `winnow worker` process started from the built CLI, as an operator runs it on each host. */
export interface CliWorker {
  process: ChildProcess;
  pid: number;
  stderr: string[];
  /** Resolves once the worker prints that it polls its task queue. */
  ready: Promise<void>;
  exited: Promise<number | null>;
  /** The Temporal identity the SDK gives the worker by default (`<pid>@<host>`) starts with this. */
  identityPrefix: string;
  /** Peak resident memory so far (VmHWM), in bytes; undefined once the process is gone. */
  peakRss(): number | undefined;
  kill(signal: NodeJS.Signals): Promise<void>;
}

/**
 * Spawns `node bin/winnow.js worker --task-queue <queue> --work-dir <dir> --concurrency <n>`. Credentials reach it the
 * way they reach a deployed worker: `WINNOW_PROFILE_<NAME>_*` (or `WINNOW_S3_*`) in its environment.
 */
export function spawnCliWorker(options: { taskQueue: string; workDir: string; env?: Record<string, string | undefined>; concurrency?: number }): CliWorker {
  const args = [BIN, 'worker', '--task-queue', options.taskQueue, '--work-dir', options.workDir, '--concurrency', String(options.concurrency ?? 1), '--shutdown-grace', '5s'];
  const child = spawn(process.execPath, args, { env: { ...process.env, ...options.env }, stdio: ['ignore', 'ignore', 'pipe'] });
  const stderr: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stderr! }).on('line', (line) => {
      stderr.push(line);
      if (line.includes('polling task queue')) resolve();
    });
    void exited.then((code) => reject(new Error(`winnow worker exited (${code}) before it polled: ${stderr.join('\n')}`)));
  });
  ready.catch(() => undefined);
  const pid = child.pid!;
  return {
    process: child,
    pid,
    stderr,
    ready,
    exited,
    identityPrefix: `${pid}@`,
    peakRss: () => {
      try {
        const kb = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
        return kb ? Number(kb[1]) * 1024 : undefined;
      } catch {
        return undefined;
      }
    },
    kill: async (signal) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await exited;
    },
  };
}
