/**
 * k-center selection benchmark: time per pick against a floor measured in the same run, the effect of projection
 * and cell pruning, the covering-radius change versus the exact unprojected result, and peak memory.
 *
 *   npm run build && npx node bench/select/k-center.bench.ts                       # 100,000 × 1280, k = 1,000
 *   npx node bench/select/k-center.bench.ts --rows 1000000 --k 10000 --projections 64 --no-exact
 *   npx node bench/select/k-center.bench.ts --rows 1000000 --k 10000 --projections '' --no-pruning-off --strategies coreset,coverage-diversity
 *     (--strategies: the exact runs, one per strategy; the last lines compare each with coreset measured in the same run)
 *
 * Data: synthetic clustered embeddings (100 super-clusters × 100 sub-clusters with Zipf-like sizes and per-cluster
 * spreads), generated once and kept as raw float32 in ~/.cache/winnow/bench-select (--cache DIR, --no-cache), so no
 * multi-GB CSV is parsed. Run on the built engine in dist/.
 *
 * Memory: before each strategy's run the bench collects garbage and resets the kernel's peak-RSS mark
 * (/proc/self/clear_refs), so each run reports its own peak (matrix included) against the matrix's size.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';

// The bench runs the built CommonJS engine (Node strips the types of this file but does not compile src/).
const load = createRequire(import.meta.url);
const engine = load('../../dist/src/select/index.js') as typeof import('../../src/select/index');
const ortKernel = load('../../dist/src/select/kernels/ort-dot-kernel.js') as typeof import('../../src/select/kernels/ort-dot-kernel');
const jsKernel = load('../../dist/src/select/kernels/js-dot-kernel.js') as typeof import('../../src/select/kernels/js-dot-kernel');

interface Args {
  rows: number;
  dim: number;
  k: number;
  projections: number[];
  exact: boolean;
  pruningOff: boolean;
  floorRuns: number;
  strategies: string[];
  cache: string | null;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { rows: 100_000, dim: 1280, k: 1000, projections: [128, 64], exact: true, pruningOff: true, floorRuns: 10, strategies: ['coreset'], cache: path.join(os.homedir(), '.cache/winnow/bench-select') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i];
    if (a === '--rows') args.rows = Number(next());
    else if (a === '--dim') args.dim = Number(next());
    else if (a === '--k') args.k = Number(next());
    else if (a === '--projections') args.projections = next().split(',').filter(Boolean).map(Number);
    else if (a === '--no-exact') args.exact = false;
    else if (a === '--no-pruning-off') args.pruningOff = false;
    else if (a === '--floor-runs') args.floorRuns = Number(next());
    else if (a === '--strategies') args.strategies = next().split(',').filter(Boolean);
    else if (a === '--cache') args.cache = next();
    else if (a === '--no-cache') args.cache = null;
    else throw new Error(`unknown argument ${a}`);
  }
  return args;
}

/** xorshift32: fast enough to fill gigabytes; quality is irrelevant for synthetic clusters. */
function makeRandom(seed: number) {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

function generate(rows: number, dim: number) {
  const rnd = makeRandom(12345);
  const gauss = () => rnd() + rnd() + rnd() - 1.5; // variance 1/4, close enough to normal for clusters
  const supers = 100;
  const subsPer = 100;
  const subCentres = new Float32Array(supers * subsPer * dim);
  const subSpread = new Float32Array(supers * subsPer);
  for (let s = 0; s < supers; s++) {
    const centre = Float32Array.from({ length: dim }, () => gauss());
    for (let t = 0; t < subsPer; t++) {
      const c = s * subsPer + t;
      for (let j = 0; j < dim; j++) subCentres[c * dim + j] = centre[j] + 0.5 * gauss();
      subSpread[c] = 0.1 + 0.3 * rnd();
    }
  }
  // Zipf-like sub-cluster sizes: row r goes to sub-cluster floor(S · u²), so low indices are crowded.
  const data = new Float32Array(rows * dim);
  const fileNames = new Array<string>(rows);
  const S = supers * subsPer;
  for (let r = 0; r < rows; r++) {
    const u = rnd();
    const c = Math.min(S - 1, Math.floor(S * u * u));
    const spread = subSpread[c];
    const base = r * dim;
    const cb = c * dim;
    for (let j = 0; j < dim; j++) data[base + j] = subCentres[cb + j] + spread * (rnd() + rnd() - 1);
    fileNames[r] = `img${String(r).padStart(7, '0')}.jpg`;
  }
  return { fileNames, labels: new Int32Array(rows), dim, data };
}

/** The generated matrix, read from the cache when an earlier run wrote it (file names are cheap to regenerate). */
function loadOrGenerate(rows: number, dim: number, cache: string | null) {
  const file = cache === null ? null : path.join(cache, `clusters-${rows}x${dim}-seed12345.f32`);
  if (file !== null && fs.existsSync(file) && fs.statSync(file).size === rows * dim * 4) {
    const data = new Float32Array(rows * dim);
    const bytes = new Uint8Array(data.buffer);
    const fd = fs.openSync(file, 'r');
    try {
      for (let at = 0; at < bytes.length; ) at += fs.readSync(fd, bytes, at, Math.min(1 << 30, bytes.length - at), at);
    } finally {
      fs.closeSync(fd);
    }
    const fileNames = Array.from({ length: rows }, (_, r) => `img${String(r).padStart(7, '0')}.jpg`);
    return { embeddings: { fileNames, labels: new Int32Array(rows), dim, data }, from: file };
  }
  const embeddings = generate(rows, dim);
  if (file !== null) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const bytes = new Uint8Array(embeddings.data.buffer);
    const fd = fs.openSync(`${file}.partial`, 'w');
    try {
      for (let at = 0; at < bytes.length; ) at += fs.writeSync(fd, bytes, at, Math.min(1 << 30, bytes.length - at));
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(`${file}.partial`, file);
  }
  return { embeddings, from: 'generated' + (file === null ? '' : `, cached as ${file}`) };
}

v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

/** Resets the peak-RSS mark (Linux: writing 5 to clear_refs resets VmHWM); false where that is not possible. */
function resetPeakRss(): boolean {
  try {
    fs.writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

function peakRssSinceReset(): number {
  const line = fs.readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith('VmHWM:'));
  return line === undefined ? NaN : Number(line.split(/\s+/)[1]) * 1024;
}

const EXACT_RADIUS_BUDGET = 2e11;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (x: number, digits = 2) => x.toFixed(digits);

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const { rows, dim, k } = args;
  const bytes = rows * dim * 4;
  console.log(`# k-center bench: N = ${rows.toLocaleString('en')} × D = ${dim}, k = ${k.toLocaleString('en')} (${fmt(bytes / 1e9)} GB float32)`);
  console.log(`# machine: ${os.cpus().length} cores, shared with other jobs (load average ${os.loadavg().map((x) => fmt(x, 1)).join(' ')})`);
  // Node and onnxruntime loaded, no data yet: the baseline that the memory figure below is measured against.
  const kernel = await ortKernel.OrtDotKernel.create();
  const baselineRss = process.memoryUsage().rss;
  let t = performance.now();
  const { embeddings, from } = loadOrGenerate(rows, dim, args.cache);
  console.log(`synthetic clustered data (${from}): ${fmt((performance.now() - t) / 1000, 1)} s`);

  // Floor: one full read of the matrix by an optimised kernel (onnxruntime Gemm, MLAS, every core).
  const v = embeddings.data.slice(0, dim);
  for (let i = 0; i < 2; i++) await kernel.matVec(embeddings.data, dim, 0, rows, v);
  // On a shared machine single calls vary several-fold with the load, so the floor is sampled before and after every
  // run and reported as both its minimum (the kernel) and its median (the kernel under this load).
  const floorTimes: number[] = [];
  const sampleFloor = async (times: number) => {
    for (let i = 0; i < times; i++) {
      const s = performance.now();
      await kernel.matVec(embeddings.data, dim, 0, rows, v);
      floorTimes.push(performance.now() - s);
    }
  };
  await sampleFloor(args.floorRuns);
  const floorMin = () => Math.min(...floorTimes);
  const floorMedian = () => median(floorTimes);
  console.log(`floor (onnxruntime Gemm c·Mᵀ, all cores): min ${fmt(floorMin())} ms = ${fmt(bytes / floorMin() / 1e6, 1)} GB/s, median ${fmt(floorMedian())} ms over ${floorTimes.length} calls`);
  const out = new Float32Array(rows);
  t = performance.now();
  jsKernel.matVecInto(embeddings.data, dim, 0, rows, v, out);
  const jsPass = performance.now() - t;
  console.log(`reference: one-thread JS M·c: ${fmt(jsPass)} ms (${fmt(jsPass / floorMin())}× the floor's min)`);

  const norms = await kernel.sumSquares(embeddings.data, dim, 0, rows);
  const inv = Float32Array.from(norms, (s) => 1 / Math.sqrt(s));
  /** Covering radius of a selection measured in the full, unprojected space. */
  async function exactCoveringRadius(selected: string[]): Promise<number> {
    const index = new Map(embeddings.fileNames.map((f, i) => [f, i]));
    const rowsSel = selected.map((f) => index.get(f)!);
    const q = new Float32Array(rowsSel.length * dim);
    rowsSel.forEach((r, i) => {
      for (let j = 0; j < dim; j++) q[i * dim + j] = embeddings.data[r * dim + j] * inv[r];
    });
    const { max } = await kernel.maxDot(embeddings.data, dim, 0, rows, q, rowsSel.length);
    let worst = 0;
    for (let i = 0; i < rows; i++) worst = Math.max(worst, 2 - 2 * max[i] * inv[i]);
    return Math.sqrt(worst);
  }

  const runs: Array<{ label: string; projectionDim?: number; pruning: boolean; strategy: string }> = [];
  if (args.exact && args.pruningOff) runs.push({ label: 'exact, plain loop: one full BLAS scan per pick (the kernel vs the floor)', pruning: false, strategy: 'coreset' });
  for (const strategy of args.exact ? args.strategies : []) {
    const what = strategy === 'coreset' ? 'lazy upper-bound picks + batched BLAS refreshes' : `strategy ${strategy}`;
    runs.push({ label: `exact, default engine: ${what}`, pruning: true, strategy });
  }
  for (const p of args.projections) runs.push({ label: `projectionDim ${p}, default engine`, projectionDim: p, pruning: true, strategy: 'coreset' });
  let exactRadius: number | undefined;
  const totals: Record<string, number> = {};
  const peaks: Record<string, number> = {};
  const peakRss = (wasReset: boolean) => (wasReset ? peakRssSinceReset() : undefined);
  for (const run of runs) {
    const config = engine.parseSelectionConfig({ n: k, strategy: run.strategy, seed: 1, ...(run.projectionDim ? { projectionDim: run.projectionDim } : {}) });
    collectGarbage();
    const peakReset = resetPeakRss();
    t = performance.now();
    const cpu0 = process.cpuUsage();
    const result = await engine.selectSamples({ embeddings, config, kernel: 'onnxruntime', pruning: run.pruning });
    const total = (performance.now() - t) / 1000;
    const runPeak = peakRss(peakReset);
    const cpu = process.cpuUsage(cpu0);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const loop = result.stats.greedySeconds!;
    const perPick = (loop * 1000) / k;
    const read = result.stats.rowsScanned! / (k * rows);
    await sampleFloor(Math.max(3, Math.floor(args.floorRuns / 2)));
    const { median: pickMedian, min: pickMin } = result.stats.pickMs!;
    // The exact radius is one product of the full matrix with all k picks: affordable at 100k × 1k, not at 1M × 10k.
    const radius = rows * k * dim <= EXACT_RADIUS_BUDGET ? await exactCoveringRadius(result.selected) : undefined;
    if (run.projectionDim === undefined && run.pruning) totals[run.strategy] = total;
    if (run.projectionDim === undefined && radius !== undefined && run.strategy === 'coreset') {
      if (exactRadius !== undefined && Math.abs(exactRadius - radius) > 1e-4) console.log(`!! exact runs disagree: ${exactRadius} vs ${radius}`);
      exactRadius = radius;
    }
    console.log(`\n## ${run.label}`);
    console.log(`selectSamples total: ${fmt(total, 1)} s wall (pick loop ${fmt(loop, 1)} s; the rest is norms/projection, scoring and the ${result.ranking.length.toLocaleString('en')}-entry ranking)`);
    console.log(`CPU time of this process meanwhile: ${fmt(cpuSeconds, 1)} s over ${os.cpus().length} cores (on an idle machine the wall time would be about CPU / cores to CPU; the gap to the wall time is other jobs' load)`);
    const kernelShare = result.stats.kernelSeconds! / loop;
    console.log(
      `time per pick: mean ${fmt(perPick, 3)} ms (median ${fmt(pickMedian, 3)}, min ${fmt(pickMin, 3)}) → ratio to the floor: ` +
        `mean/floor-median ${fmt(perPick / floorMedian(), 3)}, median/floor-median ${fmt(pickMedian / floorMedian(), 3)}, min/floor-min ${fmt(pickMin / floorMin(), 3)}`,
    );
    console.log(
      `full-pass kernel calls were ${fmt(kernelShare * 100, 1)}% of the loop (same run, same load: loop time / kernel time = ${fmt(1 / kernelShare, 3)}); ` +
        `matrix rows read per pick: ${fmt(read * 100, 2)}% of N (${result.stats.fullScans} full passes for ${k} picks)`,
    );
    console.log(
      `covering radius: reported ${fmt(result.coveringRadius!, 4)}` +
        (radius === undefined ? ' (in the projected space; the full-space check is skipped at this size)' : `, exact in the full space ${fmt(radius, 4)}`) +
        (radius !== undefined && exactRadius !== undefined && run.projectionDim !== undefined
          ? ` (${fmt(((radius - exactRadius) / exactRadius) * 100, 1)}% vs the exact run's ${fmt(exactRadius, 4)})`
          : ''),
    );
    if (result.stats.neighbourhoods !== undefined) {
      const { references, neighbours, kernelWidth, projected, seconds } = result.stats.neighbourhoods;
      console.log(`neighbour densities: ${references} references, k = ${neighbours}, σ = ${fmt(kernelWidth, 4)}, ${projected ? 'projected' : 'unprojected'}, ${fmt(seconds, 1)} s`);
    }
    if (result.stats.coverage !== undefined) {
      const c = result.stats.coverage;
      console.log(`coverage (kernel herding): ${c.picks} picks, stopped by ${c.stoppedBy} at mean coverage ${fmt(c.meanCoverage, 3)}, ${c.evaluations} gain evaluations, ${fmt(c.seconds, 1)} s`);
    }
    const phases = [
      result.stats.neighbourhoods === undefined ? undefined : `densities ${fmt(result.stats.neighbourhoods.seconds, 1)} s`,
      result.stats.coverage === undefined ? undefined : `herding ${fmt(result.stats.coverage.seconds, 1)} s`,
      `k-center loop ${fmt(loop, 1)} s`,
    ].filter(Boolean);
    console.log(`phases: ${phases.join(', ')}; the rest (norms, initial centres, ranking) ${fmt(total - (result.stats.neighbourhoods?.seconds ?? 0) - (result.stats.coverage?.seconds ?? 0) - loop, 1)} s`);
    if (runPeak !== undefined) {
      console.log(`peak RSS during this run: ${fmt(runPeak / 1e9)} GB = ${fmt(runPeak / bytes)}× the embedding matrix (matrix, Node + onnxruntime and the run's working memory)`);
      if (run.projectionDim === undefined && run.pruning) peaks[run.strategy] = runPeak;
    }
    console.log(`selectSamples alone (selection, not data generation) under 2 minutes: ${total < 120 ? 'yes' : 'no'} (${fmt(total, 1)} s)`);
  }
  for (const [strategy, total] of Object.entries(totals)) {
    if (strategy !== 'coreset' && totals.coreset !== undefined) {
      console.log(`
${strategy} / coreset (exact k-center, same run): ${fmt(total, 1)} s / ${fmt(totals.coreset, 1)} s = ${fmt(total / totals.coreset)}× (target ≤ 5×)`);
      if (peaks[strategy] !== undefined && peaks.coreset !== undefined) {
        console.log(`peak RSS: ${strategy} ${fmt(peaks[strategy] / bytes)}×, coreset ${fmt(peaks.coreset / bytes)}× the matrix (target ≤ 1.3×)`);
      }
    }
  }
  console.log(`\nfloor over the whole run: min ${fmt(floorMin())} ms, median ${fmt(floorMedian())} ms over ${floorTimes.length} calls`);
  await kernel.dispose();
  const maxRss = process.resourceUsage().maxRSS * 1024;
  console.log(
    `\npeak RSS: ${fmt(maxRss / 1e9)} GB = ${fmt(maxRss / bytes)}× the embedding matrix; above the ${fmt(baselineRss / 1e6, 0)} MB of Node + onnxruntime ` +
      `before any data: ${fmt((maxRss - baselineRss) / bytes)}× (matrix, generator, every run's working memory and ranking)`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
