/**
 * Embed step benchmark: is decoding hidden behind inference?
 *
 *   npm run build && npx node bench/embed/embed-bench.mts [--images 1000] [--batches 1,8,32]
 *
 * On the same generated 640×480 JPEGs, in one run, it prints:
 *   - end-to-end images/s of `embedImages` (decode + resize + inference + CSV), per batch size;
 *   - the model's inference-only images/s on pre-decoded tensors (the baseline), per batch size;
 *   - their ratio (target ≥ 0.8: decoding runs on sharp's threads while the model runs);
 *   - peak RSS for a quarter of the images and for all of them (must not grow with the image count).
 *
 * It runs the compiled engine from dist/ (Node strips the types of this file only), so build first.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type * as Embed from '../../src/embed';
import type * as Decode from '../../src/embed/decode-image';
import type * as NodeRunner from '../../src/embed/runner/node/node-runner';
import sharp from 'sharp';

const load = createRequire(import.meta.url);
const dist = path.join(import.meta.dirname, '..', '..', 'dist', 'src', 'embed');
if (!existsSync(path.join(dist, 'index.js'))) {
  process.stderr.write('dist/src/embed is missing: run `npm run build` first\n');
  process.exit(1);
}
const embed = load(dist) as typeof Embed;
const decode = load(path.join(dist, 'decode-image')) as typeof Decode;
const nodeRunner = load(path.join(dist, 'runner', 'node', 'node-runner')) as typeof NodeRunner;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}
const IMAGES = Number(arg('images', '1000'));
/** Real images instead of generated ones: the first --images files under this folder (e.g. a bench/datasets folder). */
const IMAGES_DIR = arg('images-dir', '');
/** The model the default is compared with, end to end at the default batch size, alternating runs; `none` skips it. */
const COMPARE = arg('compare', 'nsfwjs-mobilenet_v2');
const ROUNDS = Number(arg('rounds', '2'));
/**
 * Also run both models end to end with this many intra-op threads in the same alternating rounds (e.g. 2 on 2 cores:
 * ONNX Runtime's own choice), against the engine's default (one per core); empty skips it.
 */
const COMPARE_THREADS = arg('compare-threads', '');
const BATCHES = arg('batches', '1,8,32').split(',').map(Number);
// Pre-decoded tensors for the inference-only baseline: 128 × 224² × 3 floats = 77 MB, reused in a cycle, so the
// baseline measures the model, not memory allocation.
const POOL = 128;

/** Photos are mostly smooth regions plus texture: shapes over a gradient, with light noise, as JPEG quality 85. */
async function generateImages(dir: string, count: number): Promise<string[]> {
  const marker = path.join(dir, `.complete-${count}`);
  if (existsSync(marker)) return (await readdir(dir)).filter((f) => f.endsWith('.jpg')).sort();
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const hue = (i * 47) % 360;
    const svg =
      `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="480">` +
      `<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="hsl(${hue},60%,70%)"/>` +
      `<stop offset="1" stop-color="hsl(${(hue + 120) % 360},50%,30%)"/></linearGradient></defs>` +
      `<rect width="640" height="480" fill="url(#g)"/>` +
      `<circle cx="${100 + ((i * 37) % 440)}" cy="${100 + ((i * 53) % 280)}" r="${40 + (i % 60)}" fill="hsl(${(hue + 200) % 360},70%,50%)"/>` +
      `<rect x="${(i * 29) % 500}" y="${(i * 17) % 360}" width="120" height="90" fill="hsl(${(hue + 60) % 360},40%,60%)" transform="rotate(${i % 45} 320 240)"/>` +
      `</svg>`;
    const noise = await sharp({
      create: { width: 640, height: 480, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 12 } },
    })
      .raw()
      .toBuffer();
    const name = `img_${String(i).padStart(5, '0')}.jpg`;
    await sharp(Buffer.from(svg))
      .composite([{ input: noise, raw: { width: 640, height: 480, channels: 3 }, blend: 'soft-light' }])
      .jpeg({ quality: 85 })
      .toFile(path.join(dir, name));
    names.push(name);
  }
  await writeFile(marker, '');
  return names;
}

/** Peak RSS while `fn` runs, sampled every 25 ms (the event loop is free between batches, when memory peaks). */
async function withPeakRss<T>(fn: () => Promise<T>): Promise<{ value: T; peakMb: number }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 25);
  try {
    const value = await fn();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { value, peakMb: peak / 2 ** 20 };
  } finally {
    clearInterval(timer);
  }
}

async function endToEnd(dir: string, files: string[] | undefined, batchSize: number, out: string, model?: string, threads?: number) {
  const cpuBefore = process.cpuUsage();
  const { value, peakMb } = await withPeakRss(() =>
    embed.embedImages({ inputDir: dir, outCsv: out, batchSize, files, resume: false, backend: 'node', model, threads }),
  );
  const cpu = process.cpuUsage(cpuBefore);
  if (value.skipped.length > 0) throw new Error(`unexpected skips: ${JSON.stringify(value.skipped.slice(0, 3))}`);
  // CPU time of all the process's threads (sharp's, ONNX Runtime's, the main one) per image: unlike images/s it hardly
  // moves when other work shares the cores, so it compares two models on a loaded machine.
  const cpuMsPerImage = (cpu.user + cpu.system) / 1000 / Math.max(1, value.embedded);
  return { rate: value.embedded / value.seconds, seconds: value.seconds, peakMb, embedded: value.embedded, cpuMsPerImage };
}

async function inferenceOnly(model: Embed.EmbeddingModel, pool: Float32Array, batchSize: number, images: number) {
  const per = model.inputSize;
  const batch = new Float32Array(batchSize * per);
  // Warm-up batch so session-level allocations for this batch shape are not timed.
  batch.set(pool.subarray(0, batchSize * per));
  await model.embedBatch(batch, batchSize);
  const started = process.hrtime.bigint();
  let done = 0;
  let cursor = 0;
  while (done < images) {
    const n = Math.min(batchSize, images - done);
    for (let k = 0; k < n; k++) {
      batch.set(pool.subarray(cursor * per, (cursor + 1) * per), k * per);
      cursor = (cursor + 1) % POOL;
    }
    await model.embedBatch(batch, n);
    done += n;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { rate: images / seconds, seconds };
}

async function main(): Promise<void> {
  const work = path.join(os.tmpdir(), 'winnow-bench-embed');
  const imagesDir = IMAGES_DIR ? path.resolve(IMAGES_DIR) : path.join(work, `images-${IMAGES}`);
  const cpus = os.availableParallelism();
  const what = IMAGES_DIR ? `the first ${IMAGES} images of ${imagesDir}` : `${IMAGES} generated 640×480 JPEGs`;
  process.stdout.write(`embed bench: ${what}, default model ${embed.DEFAULT_MODEL_NAME}, batch ${embed.DEFAULT_BATCH_SIZE}, ${nodeRunner.defaultIntraOpThreads()} intra-op threads, ${cpus} cores, load avg ${os.loadavg()[0].toFixed(1)}\n`);
  let t = Date.now();
  const files = IMAGES_DIR ? (await embed.listImageFiles(imagesDir)).slice(0, IMAGES) : await generateImages(imagesDir, IMAGES);
  process.stdout.write(`images ready in ${((Date.now() - t) / 1000).toFixed(1)} s (${imagesDir})\n`);
  for (const name of [embed.DEFAULT_MODEL_NAME, COMPARE].filter((m) => m !== 'none')) await embed.BUILTIN_MODELS[name]?.path();

  // Memory: a quarter of the images, then all of them, same batch size; peak RSS must stay flat.
  const quarter = files.slice(0, Math.max(1, Math.floor(files.length / 4)));
  const csv = path.join(work, 'bench.csv');
  const mainBatch = embed.DEFAULT_BATCH_SIZE;
  const memQuarter = await endToEnd(imagesDir, quarter, mainBatch, csv);
  const memAll = await endToEnd(imagesDir, files, mainBatch, csv);

  // Baseline: pre-decoded tensors straight into the same model object embedImages uses.
  const model = await embed.loadEmbeddingModel({ backend: 'node' });
  const pool = new Float32Array(POOL * model.inputSize);
  for (let i = 0; i < POOL; i++) {
    const outcome = await decode.decodeImage(path.join(imagesDir, files[i % files.length]), files[i % files.length], {
      width: model.config.width,
      height: model.config.height,
      resize: model.config.resize,
      enlarge: model.config.enlarge,
      limitInputPixels: decode.DEFAULT_PIXEL_LIMIT,
    });
    if (!outcome.ok) throw new Error(outcome.reason);
    decode.writePixels(outcome.rgb, pool, i * model.inputSize, model.config);
  }

  const rows: Array<{ batch: number; e2e: number; inference: number }> = [];
  for (const batchSize of BATCHES) {
    const inference = await inferenceOnly(model, pool, batchSize, IMAGES);
    // Measured right after its baseline, so both see the same machine load.
    const e2e = await endToEnd(imagesDir, files, batchSize, csv);
    rows.push({ batch: batchSize, e2e: e2e.rate, inference: inference.rate });
    process.stdout.write(
      `batch ${String(batchSize).padStart(2)}: end-to-end ${e2e.rate.toFixed(1)} images/s, inference-only ${inference.rate.toFixed(1)} images/s, ratio ${(e2e.rate / inference.rate).toFixed(2)}\n`,
    );
  }
  await model.close();
  t = Date.now();

  const atDefault = rows.find((r) => r.batch === mainBatch) ?? rows[rows.length - 1];
  process.stdout.write('\n| batch | end-to-end images/s | inference-only images/s | ratio |\n|---|---|---|---|\n');
  for (const r of rows) {
    process.stdout.write(`| ${r.batch} | ${r.e2e.toFixed(1)} | ${r.inference.toFixed(1)} | ${(r.e2e / r.inference).toFixed(2)} |\n`);
  }
  const ratio = atDefault.e2e / atDefault.inference;
  process.stdout.write(
    `\ndefault batch ${atDefault.batch}: decoding hidden behind inference: ratio ${ratio.toFixed(2)} (target ≥ 0.80) ${ratio >= 0.8 ? 'OK' : 'BELOW TARGET'}\n`,
  );
  const growth = memAll.peakMb / memQuarter.peakMb;
  process.stdout.write(
    `peak RSS: ${memQuarter.peakMb.toFixed(0)} MB for ${memQuarter.embedded} images, ${memAll.peakMb.toFixed(0)} MB for ${memAll.embedded} images (×${growth.toFixed(2)}) ${growth < 1.15 ? 'flat' : 'GROWS'}\n`,
  );
  if (COMPARE !== 'none') await compareModels(imagesDir, files, mainBatch, path.join(work, 'compare.csv'));
  process.stdout.write(`load avg at the end ${os.loadavg()[0].toFixed(1)} (figures from a shared machine are noisy)\n`);
}

/**
 * The default model against COMPARE, end to end at the default batch size, in alternating runs (A B A B …) so a load
 * swing on the shared machine hits both; reports the mean images/s of each and their ratio (target ≥ 0.8). With
 * --compare-threads, each round also runs both models at that intra-op thread count.
 */
async function compareModels(dir: string, files: string[], batchSize: number, out: string): Promise<void> {
  const variants: Array<{ model: string; threads?: number; label: string }> = [embed.DEFAULT_MODEL_NAME, COMPARE].map((model) => ({ model, label: model }));
  if (COMPARE_THREADS) {
    for (const model of [embed.DEFAULT_MODEL_NAME, COMPARE]) variants.push({ model, threads: Number(COMPARE_THREADS), label: `${model}, ${COMPARE_THREADS} threads` });
  }
  const rates = new Map<string, number[]>(variants.map((v) => [v.label, []]));
  const cpuMs = new Map<string, number[]>(variants.map((v) => [v.label, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const v of round % 2 === 0 ? [...variants].reverse() : variants) {
      const run = await endToEnd(dir, files, batchSize, out, v.model, v.threads);
      rates.get(v.label)?.push(run.rate);
      cpuMs.get(v.label)?.push(run.cpuMsPerImage);
      process.stdout.write(
        `round ${round + 1}: ${v.label} end-to-end ${run.rate.toFixed(1)} images/s, CPU ${run.cpuMsPerImage.toFixed(1)} ms/image (batch ${batchSize}, peak RSS ${run.peakMb.toFixed(0)} MB, load ${os.loadavg()[0].toFixed(1)})\n`,
      );
    }
  }
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const mean = (label: string) => avg(rates.get(label) ?? []);
  const best = (label: string) => Math.max(...(rates.get(label) ?? []));
  const cpuMean = (label: string) => avg(cpuMs.get(label) ?? []);
  process.stdout.write('\n| model | end-to-end images/s (rounds) | mean | best | CPU ms/image (mean) |\n|---|---|---|---|---|\n');
  for (const v of variants) {
    const runs = (rates.get(v.label) ?? []).map((r) => r.toFixed(1)).join(', ');
    process.stdout.write(`| ${v.label} | ${runs} | ${mean(v.label).toFixed(1)} | ${best(v.label).toFixed(1)} | ${cpuMean(v.label).toFixed(1)} |\n`);
  }
  const [a, b] = [embed.DEFAULT_MODEL_NAME, COMPARE];
  const ratio = mean(a) / mean(b);
  process.stdout.write(
    `\n${a} ${mean(a).toFixed(1)} images/s vs ${b} ${mean(b).toFixed(1)} images/s end to end: ratio ${ratio.toFixed(2)} (target ≥ 0.80) ${ratio >= 0.8 ? 'OK' : 'BELOW TARGET'}\n` +
      `best rounds ${(best(a) / best(b)).toFixed(2)}; by CPU time per image (load-independent) ${(cpuMean(b) / cpuMean(a)).toFixed(2)}\n`,
  );
  if (COMPARE_THREADS) {
    const against = `${COMPARE}, ${COMPARE_THREADS} threads`;
    const mine = `${a}, ${COMPARE_THREADS} threads`;
    process.stdout.write(
      `${a} (default threads) vs ${against}: ratio ${(mean(a) / mean(against)).toFixed(2)}; default threads vs ${COMPARE_THREADS}: ` +
        `${(mean(a) / mean(mine)).toFixed(2)}× (${a}; CPU ${(cpuMean(mine) / cpuMean(a)).toFixed(2)}×), ${(mean(b) / mean(against)).toFixed(2)}× (${b}; CPU ${(cpuMean(against) / cpuMean(b)).toFixed(2)}×)\n`,
    );
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
