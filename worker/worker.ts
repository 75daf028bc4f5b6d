import { existsSync } from 'node:fs';
import path from 'node:path';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import { DEFAULT_TASK_QUEUE, temporalAddress, temporalNamespace } from './connection';

export interface PipelineWorkerSettings {
  /** `host:port` of the Temporal frontend; `TEMPORAL_ADDRESS` or 127.0.0.1:7233. */
  address?: string;
  namespace?: string;
  taskQueue?: string;
  /** Activities run at once (shards embedded in parallel on this worker). Default 2: one per core on small hosts. */
  concurrency?: number;
  /** Root folder for workspaces (synced images, shard CSVs); a config's relative `workDir` resolves against it. */
  workDir?: string;
  /** JSON secrets file holding credential profiles; `WINNOW_SECRETS_FILE` when omitted. */
  secretsFile?: string;
  /** How long running activities may finish after SIGTERM before they are cancelled. Default 30 s. */
  shutdownGraceTime?: WorkerOptions['shutdownGraceTime'];
  /** Upper bound on heartbeat throttling; tests lower it so the server sees every checkpoint at once. */
  maxHeartbeatThrottleInterval?: WorkerOptions['maxHeartbeatThrottleInterval'];
  identity?: string;
}

/** The worker plus the connection it owns; `run()` resolves after a graceful shutdown and closes the connection. */
export interface PipelineWorker {
  worker: Worker;
  run(): Promise<void>;
}

/**
 * Creates a worker that runs the curation workflows and activities on one task queue.
 * Workflows are registered by path, not imported, because Temporal bundles them into a deterministic sandbox.
 * SIGINT/SIGTERM start a graceful shutdown (the SDK's runtime installs those handlers): polling stops, running
 * activities get `shutdownGraceTime` to finish, then they are cancelled and retried by another worker.
 */
export async function createPipelineWorker(settings: PipelineWorkerSettings = {}): Promise<PipelineWorker> {
  const connection = await NativeConnection.connect({ address: temporalAddress(settings.address) });
  try {
    const concurrency = settings.concurrency ?? 2;
    const worker = await Worker.create({
      connection,
      namespace: temporalNamespace(settings.namespace),
      taskQueue: settings.taskQueue ?? DEFAULT_TASK_QUEUE,
      workflowsPath: workflowsModulePath(),
      activities: createActivities({ workRoot: settings.workDir, secretsFile: settings.secretsFile }),
      maxConcurrentActivityTaskExecutions: concurrency,
      shutdownGraceTime: settings.shutdownGraceTime ?? '30s',
      ...(settings.maxHeartbeatThrottleInterval === undefined ? {} : { maxHeartbeatThrottleInterval: settings.maxHeartbeatThrottleInterval }),
      ...(settings.identity === undefined ? {} : { identity: settings.identity }),
    });
    return {
      worker,
      run: async () => {
        try {
          await worker.run();
        } finally {
          await connection.close();
        }
      },
    };
  } catch (error) {
    await connection.close();
    throw error;
  }
}

/** `workflows/index` next to this file: `.js` once built into dist/, `.ts` when run from source (tests). */
function workflowsModulePath(): string {
  const base = path.join(__dirname, '..', 'workflows', 'index');
  for (const ext of ['.js', '.ts']) if (existsSync(base + ext)) return base + ext;
  throw new Error(`workflow module not found next to the worker: ${base}.js`);
}
