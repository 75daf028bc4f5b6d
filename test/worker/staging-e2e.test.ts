import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePipelineConfig, type PipelineConfig } from '../../src/pipeline/config';
import { safeSegment } from '../../src/pipeline/plan';
import { connectPlatform } from '../../src/platform';
import { runPipeline } from '../../src/run/run-pipeline';
import { openObjectStore, parseS3Uri } from '../../src/s3';
import { startPipeline } from '../../worker/client';
import type { PipelineResult } from '../../workflows/curation-pipeline';
import { startServer, type RunningServer } from '../platform/helpers';
import { spawnCliWorker } from '../scale-out/cli-worker';
import { createBucket, dropBucket, sharedMinio, uniqueBucket } from '../s3/minio-fixtures';
import { connectTemporal, uniqueQueue, type TemporalTestEnv } from '../workflows/temporal-test-env';
import { uploadFolder, writeImages } from './image-fixtures';
import { s3ProfileEnv } from './pipeline-worker';

// Workers that share no disk: two workers, each with its own work folder, on one task queue; the run's files live in
// an S3 staging prefix and the platform is reached over HTTP. The result must equal `winnow run` on the same bucket.

const IMAGES = 60;
const s3 = sharedMinio();
const sourceBucket = uniqueBucket('staging-src');
const stagingBucket = uniqueBucket('staging');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'winnow-staging-'));

let env: TemporalTestEnv;
let platform: RunningServer;
let names: string[];

beforeAll(async () => {
  env = await connectTemporal();
  platform = await startServer(path.join(tmp, 'platform-home'));
  names = await writeImages(path.join(tmp, 'src'), IMAGES, { seed: 5 });
  await createBucket(s3, sourceBucket);
  await createBucket(s3, stagingBucket);
  await uploadFolder(s3, path.join(tmp, 'src'), sourceBucket, 'photos/');
  // One corrupt image: reported with its reason and skipped, by both faces alike.
  const source = openObjectStore(s3, sourceBucket);
  await source.put('photos/cats/broken.jpg', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46]));
  source.close();
  // The metadata file is in S3 too: no worker has it on its disk.
  const images = names.map((file_name, id) => ({ id, file_name }));
  const metadata = names.map((_, image_id) => ({ image_id, weather: { temperature: 10 + (image_id % 7) } }));
  const store = openObjectStore(s3, stagingBucket);
  await store.put('inputs/metadata.json', JSON.stringify({ images, metadata }));
  store.close();
}, 120_000);

afterAll(async () => {
  await env?.close();
  await platform?.close();
  await dropBucket(s3, sourceBucket);
  await dropBucket(s3, stagingBucket);
});

const workerEnv = () => ({ ...s3ProfileEnv('lake', s3), WINNOW_PROFILE_LAKE_PLATFORM_TOKEN: platform.token });

function pipelineConfig(): PipelineConfig {
  return parsePipelineConfig({
    dataset: 'staged',
    source: { bucket: sourceBucket, prefix: 'photos/', profile: 'lake' },
    staging: { bucket: stagingBucket, prefix: 'winnow/', profile: 'lake' },
    select: 12,
    selection: { strategy: 'coreset' },
    tag: { name: 'picked' },
    platform: { url: platform.baseUrl, profile: 'lake' },
    upload: 'metadata',
    metadata: { file: `s3://${stagingBucket}/inputs/metadata.json` },
    embed: { batchSize: 8, shardSize: 15, maxParallelShards: 4 },
  });
}

interface ActivityRun {
  type: string;
  identity: string;
  result?: unknown;
}

function activityRuns(historyJson: string): ActivityRun[] {
  const events = (JSON.parse(historyJson) as { events: Array<Record<string, any>> }).events; // eslint-disable-line @typescript-eslint/no-explicit-any -- raw history JSON
  const types = new Map<string, string>();
  const starts = new Map<string, string>();
  const runs: ActivityRun[] = [];
  for (const event of events) {
    if (event.activityTaskScheduledEventAttributes) types.set(String(event.eventId), event.activityTaskScheduledEventAttributes.activityType.name);
    if (event.activityTaskStartedEventAttributes) starts.set(String(event.activityTaskStartedEventAttributes.scheduledEventId), event.activityTaskStartedEventAttributes.identity);
    const completed = event.activityTaskCompletedEventAttributes;
    if (completed) {
      const id = String(completed.scheduledEventId);
      const payload = completed.result?.payloads?.[0];
      runs.push({
        type: types.get(id) ?? '?',
        identity: starts.get(id) ?? '?',
        result: payload ? defaultPayloadConverter.fromPayload({ ...payload, data: Buffer.from(payload.data, 'base64'), metadata: decodeMetadata(payload.metadata) }) : undefined,
      });
    }
  }
  return runs;
}

function decodeMetadata(metadata: Record<string, string>): Record<string, Uint8Array> {
  return Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')]));
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

describe('workers without a shared disk (S3 staging)', () => {
  it('two workers with separate folders produce the same CSV and tag as `winnow run`, no secret in the history', { timeout: 300_000 }, async () => {
    const taskQueue = uniqueQueue('staging');
    const roots = [path.join(tmp, 'host-a'), path.join(tmp, 'host-b')];
    // Two `winnow worker` processes, as on two hosts: each has its own work folder and nothing else in common.
    const workers = roots.map((workDir) => spawnCliWorker({ taskQueue, workDir, env: workerEnv(), concurrency: 2 }));
    let outcome: { result: PipelineResult; history: string; runKey: string };
    try {
      await Promise.all(workers.map((w) => w.ready));
      const { workflowId } = await startPipeline(env.client, pipelineConfig(), { taskQueue });
      const handle = env.client.workflow.getHandle(workflowId);
      const finished = (await handle.result()) as PipelineResult;
      outcome = { result: finished, history: historyToJSON(await handle.fetchHistory()), runKey: safeSegment(workflowId) };
    } finally {
      await Promise.all(workers.map((w) => w.kill('SIGTERM')));
    }
    const { result, history, runKey } = outcome;
    expect(result).toMatchObject({ status: 'completed', images: IMAGES + 1, embedded: IMAGES, rows: IMAGES, skipped: 1, selected: 12, tag: { name: 'picked', count: 12 } });
    expect(result.skippedReports).toHaveLength(1);
    const reportUri = parseS3Uri(result.skippedReports[0]);
    const reportStore = openObjectStore(s3, reportUri.bucket);
    const report = JSON.parse((await reportStore.get(reportUri.prefix))!.toString('utf8')) as { skipped: Array<{ file: string; reason: string }> };
    reportStore.close();
    expect(report.skipped).toEqual([{ file: 'cats/broken.jpg', reason: expect.stringMatching(/corrupt|truncated|unsupported/i) }]);
    expect(result.csvFile).toBe(`s3://${stagingBucket}/winnow/staged/runs/${runKey}/embeddings.csv`);

    // Both hosts embedded shards; the run's files are in staging, and no host kept images or CSVs behind.
    const runs = activityRuns(history);
    const embeds = runs.filter((r) => r.type === 'embedImages');
    expect(embeds).toHaveLength(Math.ceil((IMAGES + 1) / 15));
    for (const worker of workers) expect(embeds.some((r) => r.identity.startsWith(worker.identityPrefix))).toBe(true);
    expect(runs.find((r) => r.type === 'uploadMetadata')?.result).toEqual({ entries: IMAGES });
    for (const root of roots) expect(filesUnder(root).filter((f) => /\.(png|csv)$/.test(f))).toEqual([]);

    // In process: `winnow run` on the same bucket gives the same bytes and the same selection.
    const runHome = path.join(tmp, 'run-home');
    const connection = await connectPlatform({ home: runHome });
    const summary = await runPipeline({
      input: `s3://${sourceBucket}/photos/`,
      dataset: 'staged',
      select: 12,
      strategy: 'coreset',
      tagName: 'picked',
      upload: 'metadata',
      batchSize: 8,
      connection,
      s3,
    }).finally(() => connection.close());
    const { bucket, prefix: key } = parseS3Uri(result.csvFile!);
    const store = openObjectStore(s3, bucket);
    const stagedCsv = (await store.get(key))!.toString('utf8');
    const selection = (await store.get(`winnow/staged/runs/${runKey}/selection.txt`))!.toString('utf8').split('\n').filter(Boolean);
    store.close();
    expect(stagedCsv).toBe(readFileSync(summary.csvPath, 'utf8'));
    const runClient = await connectPlatform({ home: runHome });
    const runTag = await runClient.client
      .getDatasetByName('staged')
      .then((d) => runClient.client.exportFilenamesByTagName(d.id, 'picked'))
      .finally(() => runClient.close());
    expect(selection.sort()).toEqual([...runTag].sort());

    // The platform over HTTP got the samples with their sizes (metadata mode reads the images from the source bucket).
    const remote = await connectPlatform({ platformUrl: platform.baseUrl, token: platform.token });
    const dataset = await remote.client.getDatasetByName('staged');
    expect((await remote.client.exportFilenamesByTagName(dataset.id, 'picked')).sort()).toEqual(selection.sort());
    // Each shard read its images' facts where it embedded them; the platform has them for every sample.
    const samples = [];
    for await (const sample of remote.client.iterateSamples(dataset.id)) samples.push(sample);
    expect(samples).toHaveLength(IMAGES);
    for (const sample of samples) expect(sample.metaData).toMatchObject({ width: 64, height: 64, sizeInBytes: expect.any(Number) });
    await remote.close();

    // Only profile names and references in the history: no key, secret or token, also inside the payloads.
    const decoded = [...history.matchAll(/"data":\s*"([A-Za-z0-9+/=]+)"/g)].map((m) => Buffer.from(m[1], 'base64').toString('utf8')).join('\n');
    for (const secret of [s3.secretAccessKey!, s3.accessKeyId!, platform.token]) {
      expect(history).not.toContain(secret);
      expect(decoded).not.toContain(secret);
    }
    writeFileSync(path.join(tmp, 'history.json'), history);
  });
});
