import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';

/** A pipeline worker in its own Node process (test/worker/child-worker.cjs), so a test can kill -9 it. */
export interface ChildWorker {
  process: ChildProcess;
  /** `filesDone` of every embedded batch the worker reported, in order. */
  batches: number[];
  stderr: string[];
  ready: Promise<void>;
  /** Resolves when the worker has reported a batch with at least `filesDone` files. */
  batchReached(filesDone: number): Promise<void>;
  exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): Promise<void>;
}

export function spawnChildWorker(options: { taskQueue: string; workDir: string; env?: Record<string, string | undefined>; concurrency?: number }): ChildWorker {
  const child = spawn(process.execPath, [path.join(__dirname, 'child-worker.cjs')], {
    env: {
      ...process.env,
      ...options.env,
      WINNOW_TEST_TASK_QUEUE: options.taskQueue,
      WINNOW_WORK_DIR: options.workDir,
      WINNOW_TEST_CONCURRENCY: String(options.concurrency ?? 1),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const batches: number[] = [];
  const stderr: string[] = [];
  const waiters: Array<{ filesDone: number; resolve: () => void }> = [];
  let markReady: () => void = () => undefined;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    void exited.then((code) => reject(new Error(`child worker exited (${code}) before it was ready: ${stderr.join('\n')}`)));
  });
  ready.catch(() => undefined);
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (line === 'ready') return markReady();
    if (!line.startsWith('{')) return;
    const { batch } = JSON.parse(line) as { batch: number };
    batches.push(batch);
    for (const w of waiters.splice(0)) {
      if (batch >= w.filesDone) w.resolve();
      else waiters.push(w);
    }
  });
  createInterface({ input: child.stderr! }).on('line', (line) => stderr.push(line));
  return {
    process: child,
    batches,
    stderr,
    ready,
    exited,
    batchReached: (filesDone) =>
      new Promise<void>((resolve, reject) => {
        if (batches.some((b) => b >= filesDone)) return resolve();
        waiters.push({ filesDone, resolve });
        void exited.then((code) => reject(new Error(`child worker exited (${code}) before batch ${filesDone}: ${stderr.join('\n')}`)));
      }),
    kill: async (signal) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await exited;
    },
  };
}
