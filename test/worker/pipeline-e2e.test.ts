import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePipelineConfig, type PipelineConfig } from '../../src/pipeline/config';
import { connectPlatform } from '../../src/platform';
import { runPipeline } from '../../src/run/run-pipeline';
import { failureMessage } from '../../worker/client';
import { sharedMinio, uniqueBucket } from '../s3/minio-fixtures';
import { uploadFolder, writeImages } from './image-fixtures';
import { runPipelineOnTemporal, s3ProfileEnv, tagFileNames, useTemporalPipeline } from './pipeline-worker';

// The whole pipeline through Temporal, with the real activities, over a MinIO bucket, against the in-process
// `winnow run` on the same images: the same CSV bytes and the same tag.

const IMAGES = 60;
const s3 = sharedMinio();
const bucket = uniqueBucket('pipeline-e2e');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'winnow-pipeline-e2e-'));
const metadataFile = path.join(tmp, 'metadata.json');
// The worker reads keys from its own environment under a profile name; the workflow input only says "e2e".
const workerEnv = s3ProfileEnv('e2e', s3);

const temporal = useTemporalPipeline({
  buckets: [bucket],
  setup: async () => {
    const names = await writeImages(path.join(tmp, 'src'), IMAGES, { seed: 7 });
    const images = names.map((file_name, id) => ({ id, file_name }));
    const metadata = names.map((_, image_id) => ({ image_id, weather: { scenario: ['sunny', 'rainy', 'foggy'][image_id % 3], temperature: 10 + (image_id % 7) } }));
    writeFileSync(metadataFile, JSON.stringify({ images, metadata }, null, 2));
    await uploadFolder(s3, path.join(tmp, 'src'), bucket, 'photos/');
  },
});

function pipelineConfig(home: string, overrides: Record<string, unknown> = {}): PipelineConfig {
  return parsePipelineConfig({
    dataset: 'e2e',
    source: { bucket, prefix: 'photos/', profile: 'e2e' },
    select: 12,
    selection: { strategy: 'coreset' },
    tag: { name: 'picked' },
    platform: { home },
    embed: { batchSize: 8, shardSize: 25, maxParallelShards: 2 },
    metadata: { file: metadataFile },
    ...overrides,
  });
}

function runOnTemporal(config: PipelineConfig, workRoot: string) {
  return runPipelineOnTemporal(temporal.env, config, { queue: 'e2e', workRoot, workerEnv, maxConcurrentActivityTaskExecutions: 2 });
}

describe('curation pipeline on Temporal, end to end', () => {
  it('produces the same embeddings CSV and tag as `winnow run`, and no secret reaches the history', { timeout: 300_000 }, async () => {
    // Through Temporal: a worker with the real activities.
    const temporalHome = path.join(tmp, 'temporal-home');
    const { result, error, history } = await runOnTemporal(pipelineConfig(temporalHome), path.join(tmp, 'work'));
    expect(error).toBeUndefined();
    expect(result).toMatchObject({ status: 'completed', images: IMAGES, embedded: IMAGES, rows: IMAGES, selected: 12, tag: { name: 'picked', count: 12 } });

    // In process: `winnow run` on the same bucket.
    const runHome = path.join(tmp, 'run-home');
    const connection = await connectPlatform({ home: runHome });
    const summary = await runPipeline({
      input: `s3://${bucket}/photos/`,
      dataset: 'e2e',
      select: 12,
      strategy: 'coreset',
      tagName: 'picked',
      upload: 'thumbnails',
      metadataPath: metadataFile,
      batchSize: 8,
      connection,
      s3,
    }).finally(() => connection.close());

    expect(readFileSync(result!.csvFile!, 'utf8')).toBe(readFileSync(summary.csvPath, 'utf8'));
    const runTag = await tagFileNames(runHome, 'e2e', 'picked');
    expect(runTag).toHaveLength(12);
    expect(await tagFileNames(temporalHome, 'e2e', 'picked')).toEqual(runTag);

    // The history carries the profile name and references only.
    expect(history).not.toContain(s3.secretAccessKey!);
    expect(history).not.toContain(s3.accessKeyId!);
    expect(Buffer.from(history).toString('base64')).not.toContain(Buffer.from(s3.secretAccessKey!).toString('base64'));
    // Payloads are base64 in the JSON history: decode every one and look there too.
    const decoded = [...history.matchAll(/"data":\s*"([A-Za-z0-9+/=]+)"/g)].map((m) => Buffer.from(m[1], 'base64').toString('utf8')).join('\n');
    expect(decoded).toContain(`"bucket":"${bucket}","prefix":"photos/","profile":"e2e"`);
    expect(decoded).not.toContain(s3.secretAccessKey!);
    expect(decoded).not.toContain(s3.accessKeyId!);
  });

  it('fails fast on bad metadata: not retried, the file position in the workflow failure, nothing synced', async () => {
    const bad = path.join(tmp, 'bad-metadata.json');
    writeFileSync(bad, '{\n  "images": [\n    { "file_name": "cats/img-00000.png", "id": 0, },\n  ],\n  "metadata": []\n}\n');
    const started = Date.now();
    const { result, error, history } = await runOnTemporal(
      pipelineConfig(path.join(tmp, 'bad-home'), { dataset: 'e2e-bad', metadata: { file: bad } }),
      path.join(tmp, 'work-bad'),
    );
    expect(result).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(15_000);
    const message = failureMessage(error);
    expect(message).toMatch(new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:\\d+: `));
    const events = (JSON.parse(history) as { events: Array<Record<string, { attempt?: number; activityType?: { name: string }; failure?: { applicationFailureInfo?: { nonRetryable?: boolean; type?: string } } }>> }).events;
    const scheduled = events.filter((e) => e.activityTaskScheduledEventAttributes).map((e) => e.activityTaskScheduledEventAttributes.activityType!.name);
    expect(scheduled).toEqual(['checkPipeline']);
    const started1 = events.filter((e) => e.activityTaskStartedEventAttributes).map((e) => e.activityTaskStartedEventAttributes.attempt);
    expect(started1).toEqual([1]);
    const failed = events.find((e) => e.activityTaskFailedEventAttributes)!.activityTaskFailedEventAttributes.failure!;
    expect(failed.applicationFailureInfo).toMatchObject({ nonRetryable: true, type: 'INVALID_METADATA' });
  });
});
