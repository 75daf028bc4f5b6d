import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePipelineConfig } from '../../src/pipeline/config';
import { connectPlatform } from '../../src/platform';
import { createPipelineSchedule } from '../../worker/client';
import type { PipelineResult } from '../../workflows/curation-pipeline';
import { createBucket, dropBucket, sharedMinio, uniqueBucket } from '../s3/minio-fixtures';
import { uploadFolder, writeImages } from './image-fixtures';
import { s3ProfileEnv, tagFileNames, useTemporalPipeline, withPipelineWorker } from './pipeline-worker';

// Nightly incremental curation through a real Temporal schedule: the second firing embeds only the objects that
// arrived since the first, merges them with the datapool, and its selection keeps every earlier pick — with the
// datapool in the worker's folder, and in S3 staging (workers without a shared disk).

const s3 = sharedMinio();
const tmp = mkdtempSync(path.join(os.tmpdir(), 'winnow-nightly-'));
const stagingBucket = uniqueBucket('nightly-staging');

const temporal = useTemporalPipeline({
  buckets: [stagingBucket],
  setup: async () => {
    await writeImages(path.join(tmp, 'night1'), 24, { seed: 21 });
    await writeImages(path.join(tmp, 'night2'), 8, { seed: 22, firstIndex: 1000 });
  },
});

describe.each([
  { staging: false, where: 'datapool in the work folder' },
  { staging: true, where: 'datapool in S3 staging' },
])('scheduled incremental curation, $where', ({ staging }) => {
  it('embeds only new objects on the next firing and keeps earlier picks as the datapool', { timeout: 300_000 }, async () => {
    const bucket = uniqueBucket('nightly');
    const home = path.join(tmp, staging ? 'home-staged' : 'home');
    const workRoot = path.join(tmp, staging ? 'work-staged' : 'work');
    await createBucket(s3, bucket);
    await uploadFolder(s3, path.join(tmp, 'night1'), bucket);
    const config = parsePipelineConfig({
      dataset: 'nightly',
      source: { bucket, profile: 'nightly' },
      ...(staging ? { staging: { bucket: stagingBucket, prefix: bucket, profile: 'nightly' } } : {}),
      select: 4,
      tag: { name: 'nightly-{date}-{time}' },
      platform: { home },
      // Staged shards make thumbnails where they embed, into the embedded platform's storage.
      upload: staging ? 'thumbnails' : 'metadata',
      incremental: true,
      embed: { batchSize: 8, shardSize: 16 },
    });
    const { env } = temporal;
    const worker = { queue: 'nightly', workRoot, workerEnv: s3ProfileEnv('nightly', s3), maxConcurrentActivityTaskExecutions: 2 };

    const [first, second] = await withPipelineWorker(env, worker, async (taskQueue) => {
      const scheduleId = `${taskQueue}-schedule`;
      await createPipelineSchedule(env.client, config, { scheduleId, cron: '0 2 * * *', taskQueue });
      const schedule = env.client.schedule.getHandle(scheduleId);
      const fire = async (nth: number): Promise<PipelineResult> => {
        await schedule.trigger();
        let workflowId: string | undefined;
        while (!workflowId) {
          const actions = (await schedule.describe()).info.recentActions;
          workflowId = actions[nth - 1]?.action.workflow.workflowId;
          if (!workflowId) await new Promise((r) => setTimeout(r, 200));
        }
        return (await env.client.workflow.getHandle(workflowId).result()) as PipelineResult;
      };
      try {
        const first = await fire(1);
        await uploadFolder(s3, path.join(tmp, 'night2'), bucket);
        const second = await fire(2);
        return [first, second];
      } finally {
        await schedule.delete();
      }
    }).finally(() => dropBucket(s3, bucket));

    expect(first).toMatchObject({ status: 'completed', images: 24, embedded: 24, rows: 24 });
    expect(second).toMatchObject({ status: 'completed', images: 32, embedded: 8, rows: 32 });
    expect(second.tag!.name).not.toBe(first.tag!.name);
    const firstPicks = await tagFileNames(home, 'nightly', first.tag!.name);
    const secondPicks = await tagFileNames(home, 'nightly', second.tag!.name);
    expect(firstPicks).toHaveLength(4);
    expect(secondPicks).toEqual(expect.arrayContaining(firstPicks));
    expect(secondPicks.length).toBeGreaterThan(firstPicks.length);
    const { client, close } = await connectPlatform({ home });
    try {
      const dataset = await client.getDatasetByName('nightly');
      const samples = [];
      for await (const sample of client.iterateSamples(dataset.id)) samples.push(sample);
      expect(samples).toHaveLength(32);
      // Every sample got its facts on the night it arrived (size, dimensions; a thumbnail when staged).
      for (const sample of samples) {
        expect(sample.metaData).toMatchObject({ width: 64, height: 64 });
        if (staging) expect(sample.thumbName).toMatch(/_thumb\.webp$/);
      }
    } finally {
      await close();
    }
  });
});
