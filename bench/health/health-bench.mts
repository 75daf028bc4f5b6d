/**
 * Dataset-health benchmark: Winnow against fastdup and cleanvision on the same real images, in one run.
 *
 *   npm run build && npx node bench/health/health-bench.mts [--tools winnow,fastdup,cleanvision]
 *
 * The images are photos that ship inside PyPI packages (scikit-image, scikit-learn, matplotlib) plus copies derived
 * from them with known truth (bench/health/make_dataset.py): byte copies, lossless and lossy re-encodes, resized,
 * cropped by 6 px, blurred, darkened, brightened, over-exposed, planted out-of-domain images and broken files.
 * The pinned Python tools are installed once into ~/.cache/winnow/health-venv (from PyPI; nothing downloads at run time).
 *
 * Prints, per tool: precision and recall per issue type against the truth, and images/s (wall clock of the whole
 * tool run: decode, embed, analyse). It also prints the similarity gap that justifies the default near-duplicate
 * threshold: the least similar true near-duplicate pair and the most similar pair of different pictures.
 *
 * It runs the compiled engine from dist/ (Node strips the types of this file only), so build first.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type * as Health from '../../src/health';
import type * as Reader from '../../src/embeddings/reader';

const load = createRequire(import.meta.url);
const dist = path.join(import.meta.dirname, '..', '..', 'dist', 'src');
if (!existsSync(path.join(dist, 'health', 'index.js'))) {
  process.stderr.write('dist/src/health is missing: run `npm run build` first\n');
  process.exit(1);
}
const health = load(path.join(dist, 'health')) as typeof Health;
const reader = load(path.join(dist, 'embeddings', 'reader')) as typeof Reader;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}
const TOOLS = arg('tools', 'winnow,fastdup,cleanvision').split(',');
const CACHE = path.join(os.homedir(), '.cache', 'winnow');
const VENV = path.join(CACHE, 'health-venv');
const PY = path.join(VENV, 'bin', 'python');
const PINS = ['fastdup==2.54', 'cleanvision==0.3.7', 'scikit-image==0.25.2', 'scikit-learn==1.5.0'];
const DATA = path.join(CACHE, 'bench-data', 'health');
const IMAGES = path.join(DATA, 'images');
const WORK = path.join(os.tmpdir(), 'winnow-bench-health');

interface Findings {
  tool: string;
  seconds: number;
  images: number;
  exact: string[][];
  near: string[][];
  blurry: string[];
  dark: string[];
  light: string[];
  outliers: string[];
  unreadable: string[];
}
interface Truth {
  families: Record<string, Record<string, string>>;
  exact: string[][];
  near: string[][];
  blurry: string[];
  dark: string[];
  light: string[];
  outliers: string[];
  unreadable: string[];
}

function ensureVenv(): void {
  const marker = path.join(VENV, 'winnow-pins.txt');
  if (existsSync(marker) && readFileSync(marker, 'utf8').trim() === PINS.join(' ')) return;
  process.stderr.write(`installing ${PINS.join(' ')} into ${VENV} …\n`);
  execFileSync('python3', ['-m', 'venv', VENV], { stdio: 'inherit' });
  execFileSync(PY, ['-m', 'pip', 'install', '-q', ...PINS], { stdio: 'inherit' });
  execFileSync('sh', ['-c', `echo '${PINS.join(' ')}' > '${marker}'`]);
}

async function runWinnow(): Promise<Findings> {
  const work = path.join(WORK, 'winnow');
  await rm(work, { recursive: true, force: true });
  const started = performance.now();
  const { report } = await health.healthCheckFolder({ inputDir: IMAGES, workDir: work });
  const seconds = (performance.now() - started) / 1000;
  const files = (list: { files: Array<{ fileName: string }> }) => list.files.map((f) => f.fileName);
  return {
    tool: 'winnow',
    seconds,
    images: report.samples + report.unreadable.length,
    exact: report.exactDuplicates.map((g) => g.files),
    near: report.nearDuplicates.map((g) => g.files),
    blurry: files(report.issues.blurry),
    dark: files(report.issues.dark),
    light: [...new Set([...files(report.issues.light), ...files(report.issues.overexposed)])],
    outliers: report.outliers.files.map((o) => o.fileName),
    unreadable: report.unreadable.map((u) => u.file),
  };
}

async function runAnchor(tool: string): Promise<Findings> {
  const work = path.join(WORK, tool);
  await rm(work, { recursive: true, force: true });
  execFileSync(PY, [path.join(import.meta.dirname, 'run_anchors.py'), tool, IMAGES, work], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, SENTRY_OPT_OUT: '1' },
    maxBuffer: 256 * 1024 * 1024,
  });
  return JSON.parse(readFileSync(path.join(work, 'result.json'), 'utf8')) as Findings;
}

const pairKey = (a: string, b: string) => (a < b ? `${a}\n${b}` : `${b}\n${a}`);
function pairsOf(groups: string[][]): Set<string> {
  const pairs = new Set<string>();
  for (const g of groups) for (let i = 0; i < g.length; i++) for (let j = i + 1; j < g.length; j++) pairs.add(pairKey(g[i], g[j]));
  return pairs;
}

interface Score {
  precision: number;
  recall: number;
  found: number;
}

/** Pairs: a predicted pair is right when true, ignored when `ignore` says so (same picture, other defect), else wrong. */
function scorePairs(predicted: Set<string>, truth: Set<string>, ignore: (a: string, b: string) => boolean): Score {
  let tp = 0;
  let fp = 0;
  for (const p of predicted) {
    const [a, b] = p.split('\n');
    if (truth.has(p)) tp++;
    else if (!ignore(a, b)) fp++;
  }
  return { precision: tp + fp === 0 ? NaN : tp / (tp + fp), recall: truth.size === 0 ? NaN : tp / truth.size, found: tp + fp };
}

function scoreSet(predicted: string[], truth: string[]): Score {
  const t = new Set(truth);
  const p = new Set(predicted);
  let tp = 0;
  for (const f of p) if (t.has(f)) tp++;
  return { precision: p.size === 0 ? NaN : tp / p.size, recall: t.size === 0 ? NaN : tp / t.size, found: p.size };
}

async function thresholdGap(truth: Truth): Promise<string> {
  const matrix = await reader.loadEmbeddingMatrix(path.join(WORK, 'winnow', 'embeddings.csv'));
  const row = new Map(matrix.fileNames.map((f, i) => [f, i]));
  const family = new Map<string, string>();
  for (const [name, files] of Object.entries(truth.families)) for (const f of Object.values(files)) family.set(f, name);
  const sim = (a: number, b: number) => {
    let s = 0;
    for (let d = 0; d < matrix.dim; d++) s += matrix.data[a * matrix.dim + d] * matrix.data[b * matrix.dim + d];
    return s;
  };
  let minTrue = 1;
  let minPair = '';
  for (const p of pairsOf(truth.near)) {
    const [a, b] = p.split('\n');
    const s = sim(row.get(a) as number, row.get(b) as number);
    if (s < minTrue) [minTrue, minPair] = [s, `${a} ~ ${b}`];
  }
  let maxFalse = -1;
  let maxPair = '';
  const n = matrix.fileNames.length;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const fa = family.get(matrix.fileNames[i]);
      if (fa !== undefined && fa === family.get(matrix.fileNames[j])) continue;
      const s = sim(i, j);
      if (s > maxFalse) [maxFalse, maxPair] = [s, `${matrix.fileNames[i]} ~ ${matrix.fileNames[j]}`];
    }
  }
  return (
    `near-duplicate threshold: least similar true pair ${minTrue.toFixed(3)} (${minPair}); ` +
    `most similar different pictures ${maxFalse.toFixed(3)} (${maxPair}); default ${health.DEFAULT_NEAR_DUPLICATE_THRESHOLD}`
  );
}

async function main(): Promise<void> {
  ensureVenv();
  if (!existsSync(path.join(DATA, 'truth.json'))) execFileSync(PY, [path.join(import.meta.dirname, 'make_dataset.py'), DATA], { stdio: 'inherit' });
  const truth = JSON.parse(readFileSync(path.join(DATA, 'truth.json'), 'utf8')) as Truth;
  const family = new Map<string, string>();
  for (const [name, files] of Object.entries(truth.families)) for (const f of Object.values(files)) family.set(f, name);
  const sameFamily = (a: string, b: string) => family.get(a) !== undefined && family.get(a) === family.get(b);

  const results: Findings[] = [];
  for (const tool of TOOLS) {
    process.stderr.write(`running ${tool} …\n`);
    results.push(tool === 'winnow' ? await runWinnow() : await runAnchor(tool));
  }

  const exactTruth = pairsOf(truth.exact);
  const nearTruth = pairsOf(truth.near);
  const rows: Array<[string, (f: Findings) => Score]> = [
    ['exact duplicates (pairs)', (f) => scorePairs(pairsOf(f.exact), exactTruth, () => false)],
    ['near duplicates (pairs)', (f) => scorePairs(pairsOf(f.near), nearTruth, sameFamily)],
    ['blurry', (f) => scoreSet(f.blurry, truth.blurry)],
    ['dark', (f) => scoreSet(f.dark, truth.dark)],
    ['light / over-exposed', (f) => scoreSet(f.light, truth.light)],
    ['outliers (planted)', (f) => scoreSet(f.outliers, truth.outliers)],
    ['unreadable', (f) => scoreSet(f.unreadable, truth.unreadable)],
  ];
  const pct = (x: number) => (Number.isNaN(x) ? '   –' : `${Math.round(x * 100)}%`.padStart(4));
  const head = ['issue type'.padEnd(26), ...results.map((r) => `${r.tool} P / R (found)`.padEnd(26))].join('');
  const lines = [
    `dataset: ${truth.near.length} real originals, ${results[0]?.images ?? '?'} files (${IMAGES}); cores: ${os.cpus().length}, load ${os.loadavg()[0].toFixed(1)}`,
    head,
  ];
  for (const [label, score] of rows) {
    lines.push([label.padEnd(26), ...results.map((r) => {
      const s = score(r);
      return `${pct(s.precision)} / ${pct(s.recall)} (${s.found})`.padEnd(26);
    })].join(''));
  }
  lines.push(['images/s (wall)'.padEnd(26), ...results.map((r) => `${(r.images / r.seconds).toFixed(1)} (${r.seconds.toFixed(1)} s)`.padEnd(26))].join(''));
  if (results.some((r) => r.tool === 'winnow')) lines.push(await thresholdGap(truth));
  process.stdout.write(lines.join('\n') + '\n');
}

await main();
