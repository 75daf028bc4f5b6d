import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll } from 'vitest';
import { createActivities } from '../../activities';
import type { PipelineConfig } from '../../src/pipeline/config';
import { connectPlatform } from '../../src/platform';
import type { S3Settings } from '../../src/s3';
import { startPipeline } from '../../worker/client';
import type { PipelineResult } from '../../workflows/curation-pipeline';
import { createBucket, dropBucket, sharedMinio } from '../s3/minio-fixtures';
import { connectTemporal, uniqueQueue, workflowBundle, type TemporalTestEnv } from '../workflows/temporal-test-env';

/**
 * The harness of the tests that run the curation pipeline on the Temporal dev server with the real activities: the
 * file's hooks, the worker environment that gives a config's S3 profile its keys, a worker on its own task queue, a
 * pipeline run's outcome and history, and a tag's file names.
 */

/**
 * Registers the test file's hooks: connect to Temporal, create `buckets` on MinIO, run `setup` (write and upload the
 * images), bundle the workflows; afterwards close the connection and drop the buckets. → the connection, once connected
 */
export function useTemporalPipeline(options: { buckets?: string[]; setup?: () => Promise<void>; timeout?: number } = {}): { readonly env: TemporalTestEnv } {
  let env: TemporalTestEnv | undefined;
  beforeAll(async () => {
    env = await connectTemporal();
    for (const bucket of options.buckets ?? []) await createBucket(sharedMinio(), bucket);
    await options.setup?.();
    await workflowBundle();
  }, options.timeout);
  afterAll(async () => {
    await env?.close();
    for (const bucket of options.buckets ?? []) await dropBucket(sharedMinio(), bucket);
  });
  return {
    get env(): TemporalTestEnv {
      if (env === undefined) throw new Error('Temporal is connected in beforeAll: use the harness inside a test');
      return env;
    },
  };
}

/**
 * The worker environment that resolves a pipeline config's S3 `profile` to these keys (`WINNOW_PROFILE_<NAME>_S3_…`):
 * the workflow input carries only the profile name.
 */
export function s3ProfileEnv(profile: string, s3: S3Settings): Record<string, string | undefined> {
  const prefix = `WINNOW_PROFILE_${profile.toUpperCase()}_S3_`;
  return { [`${prefix}ACCESS_KEY_ID`]: s3.accessKeyId, [`${prefix}SECRET_ACCESS_KEY`]: s3.secretAccessKey, [`${prefix}ENDPOINT`]: s3.endpoint };
}

export interface PipelineWorkerOptions {
  /** Names the worker's own task queue (`test-<queue>-<random>`). */
  queue: string;
  workRoot: string;
  workerEnv: Record<string, string | undefined>;
  maxConcurrentActivityTaskExecutions?: number;
}

/** Runs `fn` while a worker with the real activities polls a task queue of its own. */
export async function withPipelineWorker<T>(env: TemporalTestEnv, options: PipelineWorkerOptions, fn: (taskQueue: string) => Promise<T>): Promise<T> {
  const taskQueue = uniqueQueue(options.queue);
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createActivities({ workRoot: options.workRoot, env: options.workerEnv }),
    ...(options.maxConcurrentActivityTaskExecutions === undefined ? {} : { maxConcurrentActivityTaskExecutions: options.maxConcurrentActivityTaskExecutions }),
  });
  return worker.runUntil(() => fn(taskQueue));
}

export interface PipelineOutcome {
  /** Undefined when the workflow failed. */
  result: PipelineResult | undefined;
  error: unknown;
  /** The workflow's history as JSON (payloads base64). */
  history: string;
}

/** Starts the pipeline on such a worker and waits for it. → its result or failure, and its history */
export function runPipelineOnTemporal(env: TemporalTestEnv, config: PipelineConfig, options: PipelineWorkerOptions): Promise<PipelineOutcome> {
  return withPipelineWorker(env, options, async (taskQueue) => {
    const { workflowId } = await startPipeline(env.client, config, { taskQueue });
    const handle = env.client.workflow.getHandle(workflowId);
    const outcome = await handle.result().then(
      (result: PipelineResult) => ({ result, error: undefined }),
      (error: unknown) => ({ result: undefined, error }),
    );
    return { ...outcome, history: historyToJSON(await handle.fetchHistory()) };
  });
}

/** The file names of a tag of a dataset in an embedded platform home, sorted. */
export async function tagFileNames(home: string, dataset: string, tag: string): Promise<string[]> {
  const { client, close } = await connectPlatform({ home });
  try {
    return (await client.exportFilenamesByTagName((await client.getDatasetByName(dataset)).id, tag)).sort();
  } finally {
    await close();
  }
}
