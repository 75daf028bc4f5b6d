import { mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parsePipelineConfig } from '../../src/pipeline/config';
import { startPipeline } from '../../worker/client';
import type { PipelineResult } from '../../workflows/curation-pipeline';
import { createBucket, PrivateMinio } from '../s3/minio-fixtures';
import { uploadFolder, writeImages } from './image-fixtures';
import { s3ProfileEnv, useTemporalPipeline, withPipelineWorker } from './pipeline-worker';

// MinIO stopped (SIGKILL) in the middle of the sync step and started again a few seconds later: the sync retries,
// resumes after its continuation marker, and the pipeline completes with every image. A private MinIO on its own
// port and data folder, so the shared one other suites use is never touched.

const IMAGES = 400;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'winnow-sync-restart-'));
let minio: PrivateMinio;

const temporal = useTemporalPipeline({
  setup: async () => {
    minio = await PrivateMinio.start();
    await writeImages(path.join(tmp, 'src'), IMAGES, { seed: 3 });
    await createBucket(minio.settings, 'photos');
    await uploadFolder(minio.settings, path.join(tmp, 'src'), 'photos');
  },
});
afterAll(() => minio?.kill());

function countFiles(dir: string): number {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && e.name.endsWith('.png')).length;
  } catch {
    return 0;
  }
}

describe('MinIO restart during sync', () => {
  it('completes: the sync survives the outage and every image is embedded once', { timeout: 300_000 }, async () => {
    const workRoot = path.join(tmp, 'work');
    const config = parsePipelineConfig({
      dataset: 'flaky',
      source: { bucket: 'photos', profile: 'flaky' },
      select: 10,
      tag: { name: 'picked' },
      platform: { home: path.join(tmp, 'home') },
      upload: 'metadata',
      embed: { batchSize: 16, shardSize: 200, maxParallelShards: 2 },
    });
    const { env } = temporal;
    const worker = { queue: 'sync-restart', workRoot, workerEnv: s3ProfileEnv('flaky', minio.settings), maxConcurrentActivityTaskExecutions: 2 };

    const { result, killedAt, syncCompletedAt, syncAttempts } = await withPipelineWorker(env, worker, async (taskQueue) => {
      const { workflowId } = await startPipeline(env.client, config, { taskQueue, options: { heartbeatTimeout: '10s' } });
      const imagesDir = path.join(workRoot, 'flaky', 'images');
      while (countFiles(imagesDir) < 20) await new Promise((r) => setTimeout(r, 5));
      await minio.kill();
      const killedAt = Date.now();
      const downloadedBeforeKill = countFiles(imagesDir);
      await new Promise((r) => setTimeout(r, 4_000));
      await minio.start();
      const handle = env.client.workflow.getHandle(workflowId);
      const result = (await handle.result()) as PipelineResult;
      const events = (await handle.fetchHistory()).events ?? [];
      const scheduledId = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'syncImages')!.eventId;
      const completed = events.find((e) => String(e.activityTaskCompletedEventAttributes?.scheduledEventId) === String(scheduledId))!;
      const started = events.find((e) => String(e.activityTaskStartedEventAttributes?.scheduledEventId) === String(scheduledId))!;
      expect(downloadedBeforeKill).toBeLessThan(IMAGES);
      return {
        result,
        killedAt,
        syncCompletedAt: Number(completed.eventTime!.seconds) * 1000,
        syncAttempts: started.activityTaskStartedEventAttributes!.attempt,
      };
    });

    // The sync step was still running when MinIO died, and finished only after it was back.
    expect(syncCompletedAt).toBeGreaterThan(killedAt);
    expect(syncAttempts).toBeGreaterThanOrEqual(1);
    expect(result).toMatchObject({ status: 'completed', images: IMAGES, rows: IMAGES, embedded: IMAGES, selected: 10 });
    expect(countFiles(path.join(workRoot, 'flaky', 'images'))).toBe(IMAGES);
  });
});
