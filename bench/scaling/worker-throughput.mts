/**
 * Sizing figures for docs/scaling.md: what one `winnow worker` process does on this machine.
 *
 *   npm run build && npx node bench/scaling/worker-throughput.mts [--images 300] [--concurrency 2]
 *
 * Generates 640×480 JPEGs (gradient, shapes, light noise), uploads them to a fresh MinIO bucket, starts ONE worker
 * from the built CLI (`bin/winnow.js worker`) and runs one `curationPipeline` (default config: batch 32, thumbnails
 * uploaded) through the Temporal dev server. It prints:
 *   - the pipeline's wall time and images/s, and the embed step's images/s (first embed scheduled → last completed);
 *   - the worker process's peak RSS (VmHWM from /proc);
 *   - the baseline measured in the same run: the embed engine in this process on the same images, and the ratio;
 *   - bytes per row of the pipeline's embeddings CSV, and the average WebP thumbnail `createThumbnail` makes.
 * Needs `scripts/services.sh up` (run here) and the built dist/.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import sharp from 'sharp';
import type * as Embed from '../../src/embed';
import type * as Embeddings from '../../src/embeddings';
import type * as PipelineConfig from '../../src/pipeline/config';
import type * as S3 from '../../src/s3';
import type * as WorkerClient from '../../worker/client';

const root = path.join(import.meta.dirname, '..', '..');
const load = createRequire(import.meta.url);
if (!existsSync(path.join(root, 'dist', 'worker', 'client.js'))) {
  process.stderr.write('dist/ is missing: run `npm run build` first\n');
  process.exit(1);
}
const embed = load(path.join(root, 'dist', 'src', 'embed')) as typeof Embed;
const embeddings = load(path.join(root, 'dist', 'src', 'embeddings')) as typeof Embeddings;
const s3lib = load(path.join(root, 'dist', 'src', 's3')) as typeof S3;
const { parsePipelineConfig } = load(path.join(root, 'dist', 'src', 'pipeline', 'config')) as typeof PipelineConfig;
const { CreateBucketCommand, DeleteBucketCommand, DeleteObjectsCommand } = load('@aws-sdk/client-s3') as typeof import('@aws-sdk/client-s3');
const { connectPipelineClient, startPipeline } = load(path.join(root, 'dist', 'worker', 'client')) as typeof WorkerClient;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}
const IMAGES = Number(arg('images', '300'));
const CONCURRENCY = Number(arg('concurrency', '2'));
const BASELINE_IMAGES = Math.min(IMAGES, 100);

function servicesEnv(): void {
  const out = execFileSync('bash', [path.join(root, 'scripts', 'services.sh'), 'up'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  for (const line of out.split('\n')) {
    const m = /^export ([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m && process.env[m[1]] === undefined) process.env[m[1]] = m[2];
  }
}

/** Photo-like enough for JPEG and WebP to have real work: a gradient, a few shapes, light noise. */
async function writeJpegs(dir: string, count: number): Promise<void> {
  const [w, h] = [640, 480];
  let state = 7;
  const random = () => {
    state = (state * 1103515245 + 12345) >>> 0;
    return state / 4294967296;
  };
  const pixels = Buffer.alloc(w * h * 3);
  for (let i = 0; i < count; i++) {
    const [r, g, b] = [random() * 200, random() * 200, random() * 200];
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const o = (y * w + x) * 3;
        const n = random() * 16;
        pixels[o] = (r + x / 8 + n) & 255;
        pixels[o + 1] = (g + y / 6 + n) & 255;
        pixels[o + 2] = (b + (x + y) / 10 + n) & 255;
      }
    }
    const shapes = Array.from({ length: 4 }, () => {
      const [cx, cy, rad] = [random() * w, random() * h, 20 + random() * 90];
      const fill = `rgb(${Math.floor(random() * 255)},${Math.floor(random() * 255)},${Math.floor(random() * 255)})`;
      return random() < 0.5 ? `<circle cx="${cx}" cy="${cy}" r="${rad}" fill="${fill}"/>` : `<rect x="${cx}" y="${cy}" width="${rad * 1.5}" height="${rad}" fill="${fill}"/>`;
    }).join('');
    const svg = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">${shapes}</svg>`);
    const file = path.join(dir, i % 2 ? 'dogs' : 'cats', `img-${String(i).padStart(6, '0')}.jpg`);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, await sharp(pixels, { raw: { width: w, height: h, channels: 3 } }).composite([{ input: svg }]).jpeg({ quality: 85 }).toBuffer());
  }
}

function peakRss(pid: number): number {
  const kb = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return kb ? Number(kb[1]) * 1024 : NaN;
}

async function dropBucket(client: ReturnType<typeof s3lib.createS3Client>, bucket: string): Promise<void> {
  const keys: string[] = [];
  for await (const o of s3lib.listS3Objects({ client, bucket })) keys.push(o.key);
  for (let i = 0; i < keys.length; i += 1000) {
    await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true } }));
  }
  await client.send(new DeleteBucketCommand({ Bucket: bucket }));
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

async function main(): Promise<void> {
  servicesEnv();
  const s3: S3.S3Settings = {
    endpoint: process.env.WINNOW_S3_ENDPOINT,
    accessKeyId: process.env.WINNOW_S3_ACCESS_KEY_ID,
    secretAccessKey: process.env.WINNOW_S3_SECRET_ACCESS_KEY,
    region: 'us-east-1',
    forcePathStyle: true,
  };
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'winnow-bench-scaling-'));
  const bucket = `winnow-bench-scaling-${Date.now().toString(36)}`;
  const taskQueue = `bench-scaling-${Date.now().toString(36)}`;
  const client = s3lib.createS3Client(s3);
  const temporal = await connectPipelineClient({ address: process.env.TEMPORAL_ADDRESS });
  let worker: ReturnType<typeof spawn> | undefined;
  try {
    const src = path.join(tmp, 'src');
    await writeJpegs(src, IMAGES);
    await s3lib.withS3Retry(() => client.send(new CreateBucketCommand({ Bucket: bucket })));
    const uploaded = await s3lib.syncLocalToS3({ sourceDir: src, target: `s3://${bucket}/`, s3 });
    if (uploaded.failed.length) throw new Error(`upload failed: ${uploaded.failed[0].key}`);
    process.stdout.write(`worker throughput: ${IMAGES} images (640×480 JPEG) in MinIO; ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);

    // Baseline, same run: the embed engine in this process on a subset of the same images.
    const baseDir = path.join(tmp, 'baseline');
    const subset = (await readdir(path.join(src, 'cats'))).slice(0, Math.ceil(BASELINE_IMAGES / 2)).map((f) => `cats/${f}`);
    subset.push(...(await readdir(path.join(src, 'dogs'))).slice(0, BASELINE_IMAGES - subset.length).map((f) => `dogs/${f}`));
    await mkdir(baseDir, { recursive: true });
    let t = performance.now();
    await embed.embedImages({ inputDir: src, outCsv: path.join(baseDir, 'embeddings.csv'), files: subset, batchSize: 32 });
    const baseline = subset.length / ((performance.now() - t) / 1000);
    process.stdout.write(`  baseline: embed engine in process, ${subset.length} images, batch 32   ${baseline.toFixed(1)} img/s\n`);

    // One worker from the built CLI, as deployed.
    worker = spawn(
      process.execPath,
      [path.join(root, 'bin', 'winnow.js'), 'worker', '--task-queue', taskQueue, '--work-dir', path.join(tmp, 'work'), '--concurrency', String(CONCURRENCY)],
      {
        env: { ...process.env, WINNOW_PROFILE_BENCH_S3_ACCESS_KEY_ID: s3.accessKeyId, WINNOW_PROFILE_BENCH_S3_SECRET_ACCESS_KEY: s3.secretAccessKey, WINNOW_PROFILE_BENCH_S3_ENDPOINT: s3.endpoint },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    const child = worker;
    await new Promise<void>((resolve, reject) => {
      const lines: string[] = [];
      createInterface({ input: child.stderr! }).on('line', (line) => {
        lines.push(line);
        if (line.includes('polling task queue')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`worker exited ${code}: ${lines.join('\n')}`)));
    });
    const rssAtStart = peakRss(child.pid!);

    const config = parsePipelineConfig({
      dataset: 'bench-scaling',
      source: { bucket, profile: 'bench' },
      select: 50,
      tag: { name: 'picked' },
      platform: { home: path.join(tmp, 'home') },
      embed: { shardSize: Math.ceil(IMAGES / 4), maxParallelShards: CONCURRENCY },
    });
    t = performance.now();
    const { workflowId } = await startPipeline(temporal.client, config, { taskQueue, workflowId: `${taskQueue}-run` });
    const handle = temporal.client.workflow.getHandle(workflowId);
    const result = (await handle.result()) as { rows: number; csvFile: string; tag?: { count: number } };
    const wall = (performance.now() - t) / 1000;
    const peak = peakRss(child.pid!);

    const events = (await handle.fetchHistory()).events ?? [];
    const at = (e: (typeof events)[number]) => Number(e.eventTime!.seconds) + (e.eventTime!.nanos ?? 0) / 1e9;
    const scheduled = new Map<string, { type: string; at: number }>();
    const steps = new Map<string, number>();
    let first = Infinity;
    let last = 0;
    for (const e of events) {
      const type = e.activityTaskScheduledEventAttributes?.activityType?.name;
      if (type) scheduled.set(String(e.eventId), { type, at: at(e) });
      if (type === 'embedImages') first = Math.min(first, at(e));
      const done = e.activityTaskCompletedEventAttributes;
      const from = done ? scheduled.get(String(done.scheduledEventId)) : undefined;
      if (!from) continue;
      steps.set(from.type, (steps.get(from.type) ?? 0) + at(e) - from.at);
      if (from.type === 'embedImages') last = Math.max(last, at(e));
    }
    const embedSeconds = last - first;
    const perWorker = IMAGES / embedSeconds;
    process.stdout.write(
      `  pipeline on 1 worker (concurrency ${CONCURRENCY}): ${wall.toFixed(1)} s wall, ${(IMAGES / wall).toFixed(1)} img/s end to end (${result.rows} rows, ${result.tag?.count} tagged)\n` +
        `  embed step: ${embedSeconds.toFixed(1)} s, ${perWorker.toFixed(1)} img/s per worker, ratio ${(perWorker / baseline).toFixed(2)} vs in-process baseline\n` +
        `  steps (s, scheduled → completed, summed over shards): ${[...steps].map(([step, sec]) => `${step} ${sec.toFixed(1)}`).join(', ')}\n` +
        `  worker peak RSS: ${mb(peak)} (idle after start: ${mb(rssAtStart)})\n`,
    );

    const csvBytes = statSync(result.csvFile).size;
    const header = readFileSync(result.csvFile, 'utf8').split('\n', 1)[0];
    let rows = 0;
    for await (const row of embeddings.readEmbeddingRows(result.csvFile)) if (row.embedding.length > 0) rows++;
    const dims = header.split(',').filter((c) => c.startsWith('embedding_')).length;
    process.stdout.write(`  embeddings CSV: ${csvBytes} bytes, ${rows} rows × ${dims} dims, ${((csvBytes - header.length - 1) / rows).toFixed(0)} bytes/row (header ${header.length + 1} bytes)\n`);

    let thumbBytes = 0;
    const files = [...subset];
    const thumbStart = performance.now();
    for (const file of files) thumbBytes += (await s3lib.createThumbnail(path.join(src, file))).data.length;
    const thumbMs = (performance.now() - thumbStart) / files.length;
    const sourceBytes = files.reduce((n, f) => n + statSync(path.join(src, f)).size, 0);
    process.stdout.write(
      `  thumbnails (createThumbnail defaults: 256 px, WebP q80): ${(thumbBytes / files.length / 1024).toFixed(1)} KiB average over ${files.length} images ` +
        `(source JPEG ${(sourceBytes / files.length / 1024).toFixed(1)} KiB), ${thumbMs.toFixed(1)} ms each, one at a time\n` +
        '  Figures from a shared, loaded 2-core machine: lower bounds.\n',
    );
    // The generated scenes are smoother than photos; full-frame noise is the opposite extreme, so the two bracket it.
    let noiseBytes = 0;
    const noise = Buffer.alloc(640 * 480 * 3);
    for (let i = 0; i < 20; i++) {
      for (let j = 0; j < noise.length; j++) noise[j] = (Math.random() * 256) | 0;
      const jpeg = await sharp(noise, { raw: { width: 640, height: 480, channels: 3 } }).jpeg({ quality: 85 }).toBuffer();
      noiseBytes += (await s3lib.createThumbnail(jpeg)).data.length;
    }
    process.stdout.write(`  thumbnails of 640×480 full-frame noise (worst case): ${(noiseBytes / 20 / 1024).toFixed(1)} KiB average over 20 images\n`);
  } finally {
    if (worker && worker.exitCode === null) worker.kill('SIGKILL');
    await temporal.close();
    await dropBucket(client, bucket).catch(() => undefined);
    client.destroy();
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`worker throughput bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
