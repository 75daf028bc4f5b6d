import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { parsePipelineConfig } from '../../src/pipeline/config';
import { connectPlatform } from '../../src/platform';
import { runPipeline } from '../../src/run/run-pipeline';
import type { S3Settings } from '../../src/s3';
import { startPipeline } from '../../worker/client';
import type { PipelineResult } from '../../workflows/curation-pipeline';
import { createBucket, dropBucket, uniqueBucket } from '../../test/s3/minio-fixtures';
import { spawnChildWorker, type ChildWorker } from '../../test/worker/child-worker';
import { uploadFolder, writeImages } from '../../test/worker/image-fixtures';

/**
 * The same pipeline (sync from MinIO → embed → save → platform → select → tag) over the same images, three ways:
 *   1. in process, `winnow run` (baseline);
 *   2. through Temporal with one worker process;
 *   3. through Temporal with two worker processes sharing the shards (and one work folder);
 *   4. the same with no shared disk: each worker its own folder, the run's files in an S3 staging bucket.
 * Workers are started (and have bundled their workflows) before the clock starts: a deployed worker is long-lived.
 * Each run gets a fresh platform home and work folder, so every run syncs and embeds everything.
 */
const IMAGES = Number(process.argv[2] ?? 1000);
const SHARD = 500;

function servicesEnv(): void {
  const out = execFileSync('bash', [path.join(__dirname, '..', '..', 'scripts', 'services.sh'), 'up'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  for (const line of out.split('\n')) {
    const m = /^export ([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m && process.env[m[1]] === undefined) process.env[m[1]] = m[2];
  }
}

async function main(): Promise<void> {
  servicesEnv();
  const s3: S3Settings = {
    endpoint: process.env.WINNOW_S3_ENDPOINT,
    accessKeyId: process.env.WINNOW_S3_ACCESS_KEY_ID,
    secretAccessKey: process.env.WINNOW_S3_SECRET_ACCESS_KEY,
    region: 'us-east-1',
    forcePathStyle: true,
  };
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'winnow-bench-temporal-'));
  const bucket = uniqueBucket('bench-temporal');
  const children: ChildWorker[] = [];
  const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  const client = new Client({ connection });
  try {
    await writeImages(path.join(tmp, 'src'), IMAGES, { seed: 5 });
    await createBucket(s3, bucket);
    await uploadFolder(s3, path.join(tmp, 'src'), bucket);
    process.stdout.write(`temporal bench: ${IMAGES} images (64×64 PNG) in MinIO, shards of ${SHARD}; ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)}\n`);

    // 1. Baseline: in process.
    const home0 = path.join(tmp, 'home-inprocess');
    const platform = await connectPlatform({ home: home0 });
    let t = performance.now();
    const summary = await runPipeline({ input: `s3://${bucket}/`, dataset: 'bench', select: 50, strategy: 'coreset', tagName: 'picked', connection: platform, s3 }).finally(() =>
      platform.close(),
    );
    const inProcess = (performance.now() - t) / 1000;
    process.stdout.write(`  in process (winnow run)        ${inProcess.toFixed(1)} s  ${(IMAGES / inProcess).toFixed(1)} img/s  (${summary.selected} selected)\n`);

    const workerEnv = { WINNOW_PROFILE_BENCH_S3_ACCESS_KEY_ID: s3.accessKeyId, WINNOW_PROFILE_BENCH_S3_SECRET_ACCESS_KEY: s3.secretAccessKey, WINNOW_PROFILE_BENCH_S3_ENDPOINT: s3.endpoint };
    const stagingBucket = `${bucket}-staging`;
    await createBucket(s3, stagingBucket);
    const throughTemporal = async (workers: number, concurrency: number, label: string, staging = false): Promise<number> => {
      const taskQueue = `bench-${workers}-${staging ? 'staged-' : ''}${Date.now()}`;
      const workDir = (i: number) => path.join(tmp, staging ? `work-staged-${i}` : `work-${workers}`);
      const started = Array.from({ length: workers }, (_, i) => spawnChildWorker({ taskQueue, workDir: workDir(i), env: workerEnv, concurrency }));
      children.push(...started);
      await Promise.all(started.map((w) => w.ready));
      const config = parsePipelineConfig({
        dataset: 'bench',
        source: { bucket, profile: 'bench' },
        ...(staging ? { staging: { bucket: stagingBucket, profile: 'bench' } } : {}),
        select: 50,
        tag: { name: 'picked' },
        platform: { home: path.join(tmp, `home-${workers}${staging ? '-staged' : ''}`) },
        embed: { shardSize: SHARD, maxParallelShards: 2 },
      });
      t = performance.now();
      const { workflowId } = await startPipeline(client, config, { taskQueue, workflowId: `${taskQueue}-run` });
      const handle = client.workflow.getHandle(workflowId);
      const result = (await handle.result()) as PipelineResult;
      const seconds = (performance.now() - t) / 1000;
      const steps = await stepSeconds(handle);
      for (const w of started) await w.kill('SIGTERM');
      process.stdout.write(
        `  ${label.padEnd(30)} ${seconds.toFixed(1)} s  ${(IMAGES / seconds).toFixed(1)} img/s  ratio ${(seconds / inProcess).toFixed(2)} vs in process  (${result.tag?.count} selected)\n` +
          `    steps (s, scheduled → completed, summed over shards): ${steps}\n`,
      );
      return seconds;
    };
    await throughTemporal(1, 2, 'Temporal, 1 worker process');
    await throughTemporal(2, 1, 'Temporal, 2 worker processes');
    await throughTemporal(2, 1, 'Temporal, 2 workers, S3 staging', true);
    process.stdout.write('  target: 1 worker ≤ 1.2 × in process. Figures from a shared, loaded 2-core machine: treat them as rough.\n');
  } finally {
    for (const w of children) await w.kill('SIGKILL');
    await connection.close();
    await dropBucket(s3, bucket);
    await dropBucket(s3, `${bucket}-staging`).catch(() => undefined);
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Where the time went: each activity type's scheduled → completed seconds, summed (shards overlap). */
async function stepSeconds(handle: ReturnType<Client['workflow']['getHandle']>): Promise<string> {
  const events = (await handle.fetchHistory()).events ?? [];
  const scheduled = new Map<string, { type: string; at: number }>();
  const totals = new Map<string, number>();
  const at = (e: (typeof events)[number]) => Number(e.eventTime!.seconds) + (e.eventTime!.nanos ?? 0) / 1e9;
  for (const e of events) {
    const s = e.activityTaskScheduledEventAttributes;
    if (s) scheduled.set(String(e.eventId), { type: s.activityType!.name!, at: at(e) });
    const c = e.activityTaskCompletedEventAttributes;
    if (c) {
      const from = scheduled.get(String(c.scheduledEventId))!;
      totals.set(from.type, (totals.get(from.type) ?? 0) + at(e) - from.at);
    }
  }
  return [...totals].map(([type, sec]) => `${type} ${sec.toFixed(1)}`).join(', ');
}

main().catch((error: unknown) => {
  process.stderr.write(`temporal bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
