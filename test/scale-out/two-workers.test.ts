import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEmbeddingRows } from '../../src/embeddings';
import { parsePipelineConfig } from '../../src/pipeline/config';
import { startPipeline } from '../../worker/client';
import type { PipelineResult } from '../../workflows/curation-pipeline';
import { createBucket, dropBucket, sharedMinio, uniqueBucket } from '../s3/minio-fixtures';
import { uploadFolder, writeImages } from '../worker/image-fixtures';
import { connectTemporal, uniqueQueue, type TemporalTestEnv } from '../workflows/temporal-test-env';
import { spawnCliWorker, type CliWorker } from './cli-worker';
import { completedShards, type CompletedShard } from './history';

// Scale-out beyond one process: two `winnow worker` processes (the built CLI) poll one task queue and share one
// pipeline's shards; then one of them is killed with SIGKILL in the middle of a shard and the pipeline still ends
// with exactly one CSV row per image. The two processes share a work folder, as workers on one host (or on hosts
// mounting one network folder) do.

const IMAGES = 120;
const SELECT = 10;
const s3 = sharedMinio();
const bucket = uniqueBucket('scale-out');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'winnow-scale-out-'));
const workDir = path.join(tmp, 'work');
const taskQueue = uniqueQueue('scale-out');
const workerEnv = {
  WINNOW_PROFILE_SCALE_S3_ACCESS_KEY_ID: s3.accessKeyId,
  WINNOW_PROFILE_SCALE_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
  WINNOW_PROFILE_SCALE_S3_ENDPOINT: s3.endpoint,
};
/** `PendingActivityState.PENDING_ACTIVITY_STATE_STARTED` in Temporal's API. */
const ACTIVITY_STARTED = 2;

let env: TemporalTestEnv;
let names: string[];
let workers: CliWorker[] = [];

beforeAll(async () => {
  env = await connectTemporal();
  names = await writeImages(path.join(tmp, 'src'), IMAGES, { seed: 21 });
  await createBucket(s3, bucket);
  await uploadFolder(s3, path.join(tmp, 'src'), bucket);
  workers = [0, 1].map(() => spawnCliWorker({ taskQueue, workDir, env: workerEnv, concurrency: 1 }));
  await Promise.all(workers.map((w) => w.ready));
});

afterAll(async () => {
  for (const w of workers) await w.kill('SIGKILL');
  await env?.close();
  await dropBucket(s3, bucket);
  rmSync(tmp, { recursive: true, force: true });
});

function pipelineConfig(dataset: string, shardSize: number, batchSize: number) {
  return parsePipelineConfig({
    dataset,
    source: { bucket, profile: 'scale' },
    select: SELECT,
    tag: { name: 'picked' },
    platform: { home: path.join(tmp, `home-${dataset}`) },
    upload: 'metadata',
    // Two shards in flight and one activity slot per worker: the first two shards must go to different processes.
    embed: { batchSize, shardSize, maxParallelShards: 2 },
  });
}

async function csvFileNames(file: string): Promise<string[]> {
  const rows: string[] = [];
  for await (const row of readEmbeddingRows(file)) rows.push(row.fileName);
  return rows;
}

const owner = (shard: CompletedShard): number => workers.findIndex((w) => shard.identity.startsWith(w.identityPrefix));

describe('two worker processes on one task queue', () => {
  it('share one pipeline’s shards, and the CSV has one row per image', async () => {
    const { workflowId } = await startPipeline(env.client, pipelineConfig('shared', 20, 4), { taskQueue, workflowId: `${taskQueue}-shared` });
    const result = (await env.client.workflow.getHandle(workflowId).result()) as PipelineResult;

    expect(result).toMatchObject({ status: 'completed', images: IMAGES, embedded: IMAGES, rows: IMAGES, selected: SELECT });
    expect(result.tag).toMatchObject({ name: 'picked', count: SELECT });
    const rows = await csvFileNames(result.csvFile!);
    expect(rows).toHaveLength(IMAGES);
    expect([...rows].sort()).toEqual(names);

    const shards = await completedShards(env.client, workflowId);
    expect(shards.map((s) => s.result.index).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5]);
    const perWorker = [0, 1].map((i) => shards.filter((s) => owner(s) === i));
    expect(perWorker[0].length + perWorker[1].length).toBe(6);
    expect(perWorker[0].length).toBeGreaterThan(0);
    expect(perWorker[1].length).toBeGreaterThan(0);
    // Each image was embedded by exactly one of them.
    expect(perWorker.flat().reduce((n, s) => n + s.result.embedded, 0)).toBe(IMAGES);
  });

  it('lose nothing when one is killed (SIGKILL) in the middle of a shard', async () => {
    // 2 shards of 60, batches of 6: each worker takes one at once, and a shard (model load + 10 batches) lasts seconds,
    // so a kill within a second of its start lands inside it.
    const { workflowId } = await startPipeline(env.client, pipelineConfig('killed', 60, 6), {
      taskQueue,
      workflowId: `${taskQueue}-killed`,
      options: { heartbeatTimeout: '8s' },
    });
    const handle = env.client.workflow.getHandle(workflowId);

    // Wait for an embed activity that a worker has just started (under a second ago), then kill that worker.
    let victim = -1;
    let killedActivity = '';
    const deadline = Date.now() + 90_000;
    while (victim < 0) {
      if (Date.now() > deadline) throw new Error('no embed activity was seen running');
      const pending = (await handle.describe()).raw.pendingActivities ?? [];
      for (const a of pending) {
        if (a.activityType?.name !== 'embedImages' || Number(a.state) !== ACTIVITY_STARTED || !a.lastStartedTime) continue;
        const startedMs = Number(a.lastStartedTime.seconds) * 1000 + (a.lastStartedTime.nanos ?? 0) / 1e6;
        const index = workers.findIndex((w) => a.lastWorkerIdentity?.startsWith(w.identityPrefix));
        if (index >= 0 && Date.now() - startedMs < 1000) {
          victim = index;
          killedActivity = a.activityId ?? '';
          break;
        }
      }
      if (victim < 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await workers[victim].kill('SIGKILL');
    const survivor = 1 - victim;

    const result = (await handle.result()) as PipelineResult;
    expect(result).toMatchObject({ status: 'completed', images: IMAGES, rows: IMAGES, selected: SELECT });
    expect(result.embedded + result.resumed).toBe(IMAGES);
    const rows = await csvFileNames(result.csvFile!);
    expect(rows).toHaveLength(IMAGES);
    expect([...rows].sort()).toEqual(names);

    const shards = await completedShards(env.client, workflowId);
    expect(shards.map((s) => s.result.index).sort((a, b) => a - b)).toEqual([0, 1]);
    // The shard the killed process held was retried and finished by the other one.
    const retried = shards.find((s) => s.activityId === killedActivity)!;
    expect(retried).toBeDefined();
    expect(owner(retried)).toBe(survivor);
    expect(retried.result.attempt).toBeGreaterThanOrEqual(2);
    expect(retried.result.resumed + retried.result.embedded).toBe(60);
  });
});
