/**
 * Health at scale: the analysis step (neighbours, near-duplicate groups, outliers) over N embeddings, its recall
 * against exact search, its peak memory, and the HNSW index it replaced as the baseline, in one run.
 *
 *   npm run build && npx node bench/health/scale-bench.mts [--n 100000] [--dim 1280] [--pairs 1000] [--queries 1000] [--hnsw 10000] [--umap 0]
 *   npx node bench/health/scale-bench.mts --n 1000000 --queries 0 --hnsw 0
 *
 * Data: the synthetic clustered matrix of bench/select (100 super-clusters × 100 sub-clusters), read from
 * ~/.cache/winnow/bench-select/clusters-<n>x<dim>-seed12345.f32 where bench/select cached it (100k and 1M × 1280);
 * other sizes get Gaussian clusters generated in place. `pairs` near duplicates are planted: row a+1 := row a + noise,
 * at cosines spread evenly over 0.90–0.995.
 *
 * Prints:
 *   - analyseHealth's wall time over all N rows (the cell search of src/health/cell-neighbours.ts, groups at the
 *     default 0.95, outliers) and its phases' share;
 *   - recall against exact search (onnxruntime products of `queries` random rows with every row): recall@10 of the
 *     neighbour lists, and of near-duplicate pairs — every exact pair ≥ 0.95 of a query row found in one group;
 *   - planted pairs at ≥ 0.95 found in one group (no exact search needed, so also at 1M);
 *   - peak RSS (VmHWM) against the f32 matrix;
 *   - `--hnsw R`: the usearch HNSW build (ANN_SETTINGS, one batch add on every core, then 10-NN of every row) over the
 *     first R rows, and the cell search over the same R rows, in the same run (the ratio);
 *   - `--umap R`: the UMAP map (src/platform/service/umap.ts, as the job worker runs it) of the first R rows.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type * as Health from '../../src/health';
import type * as Neighbours from '../../src/health/neighbours';
import type * as Kernel from '../../src/select/kernels/ort-dot-kernel';
import type * as Umap from '../../src/platform/service/umap';

const load = createRequire(import.meta.url);
const dist = path.join(import.meta.dirname, '..', '..', 'dist', 'src');
const health = load(path.join(dist, 'health')) as typeof Health;
const neighbours = load(path.join(dist, 'health', 'neighbours')) as typeof Neighbours;
const ort = load(path.join(dist, 'select', 'kernels', 'ort-dot-kernel')) as typeof Kernel;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}
const N = Number(arg('n', '100000'));
const DIM = Number(arg('dim', '1280'));
const PAIRS = Number(arg('pairs', '1000'));
const QUERIES = Number(arg('queries', '1000'));
const HNSW_ROWS = Math.min(N, Number(arg('hnsw', '10000')));
const UMAP_ROWS = Math.min(N, Number(arg('umap', '0')));
const K = 10;
const THRESHOLD = 0.95;
const GiB = 2 ** 30;

function peakRss(): number {
  const line = fs.readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith('VmHWM:'));
  return line === undefined ? NaN : Number(line.split(/\s+/)[1]) * 1024;
}
const seconds = (t: number) => (performance.now() - t) / 1000;

let seed = 12345;
function uniform(): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return ((seed >>> 0) + 1) / 4294967297;
}
const gauss = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());

function loadMatrix(): { data: Float32Array; from: string } {
  const file = path.join(os.homedir(), '.cache', 'winnow', 'bench-select', `clusters-${N}x${DIM}-seed12345.f32`);
  if (fs.existsSync(file) && fs.statSync(file).size === N * DIM * 4) {
    const data = new Float32Array(N * DIM);
    const bytes = new Uint8Array(data.buffer);
    const fd = fs.openSync(file, 'r');
    for (let at = 0; at < bytes.length; ) at += fs.readSync(fd, bytes, at, Math.min(1 << 30, bytes.length - at), at);
    fs.closeSync(fd);
    return { data, from: file };
  }
  // Quick set: 1,000 Gaussian cluster centres, isotropic noise (harder for any ANN than real embeddings).
  const centres = new Float32Array(1000 * DIM).map(gauss);
  const data = new Float32Array(N * DIM);
  for (let i = 0; i < N; i++) for (let d = 0; d < DIM; d++) data[i * DIM + d] = centres[(i % 1000) * DIM + d] + 1.2 * gauss();
  return { data, from: 'generated (Gaussian clusters)' };
}

const norm = (data: Float32Array, r: number) => Math.sqrt(data.subarray(r * DIM, (r + 1) * DIM).reduce((s, v) => s + v * v, 0));
function cosine(data: Float32Array, a: number, b: number): number {
  let s = 0;
  for (let d = 0; d < DIM; d++) s += data[a * DIM + d] * data[b * DIM + d];
  return s / (norm(data, a) * norm(data, b));
}

async function main(): Promise<void> {
  const lines: string[] = [];
  const say = (line: string) => {
    lines.push(line);
    process.stderr.write(line + '\n');
  };
  say(`health scale bench: N=${N.toLocaleString('en-US')} × ${DIM}-d, ${PAIRS} planted near-duplicate pairs; ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)}`);
  const kernel = await ort.OrtDotKernel.create();
  const baseRss = process.memoryUsage().rss;
  let t = performance.now();
  const { data, from } = loadMatrix();
  say(`data: ${from} (${seconds(t).toFixed(1)} s)`);

  // Planted pairs: row a+1 := row a + noise scaled for a cosine spread over 0.90–0.995.
  const planted: Array<[number, number]> = [];
  for (let p = 0; p < PAIRS; p++) {
    const a = (p * 2 * 7919) % (N - 1);
    const b = a + 1;
    const target = 0.9 + (0.095 * p) / Math.max(1, PAIRS - 1);
    const sigma = (Math.sqrt(1 / target ** 2 - 1) * norm(data, a)) / Math.sqrt(DIM);
    for (let d = 0; d < DIM; d++) data[b * DIM + d] = data[a * DIM + d] + sigma * gauss();
    planted.push([a, b]);
  }

  const fileNames = Array.from({ length: N }, (_, i) => `img_${i}.jpg`);
  const embeddings = { fileNames, labels: new Int32Array(N), dim: DIM, data };
  t = performance.now();
  const cpu = process.cpuUsage();
  const lists = await neighbours.allNeighbours(data, DIM, { k: K });
  const searchSeconds = seconds(t);
  t = performance.now();
  const report = await health.analyseHealth({ embeddings, measures: new Map(), neighbours: lists });
  const analyseSeconds = searchSeconds + seconds(t);
  // CPU time of this process (onnxruntime's threads included): what the wall time would be on idle cores, times their number.
  const used = process.cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6;
  const groupOf = new Map<string, number>();
  report.nearDuplicates.forEach((g, i) => g.files.forEach((f) => groupOf.set(f, i)));
  const together = (a: number, b: number) => groupOf.get(fileNames[a]) !== undefined && groupOf.get(fileNames[a]) === groupOf.get(fileNames[b]);
  const plantedAbove = planted.filter(([a, b]) => cosine(data, a, b) >= THRESHOLD);
  const plantedFound = plantedAbove.filter(([a, b]) => together(a, b)).length;
  say(
    `analyseHealth (${lists.method === 'ann' ? 'cell search' : 'exact'} neighbours, groups at ${THRESHOLD}, outliers) over all ${N.toLocaleString('en-US')} rows: ${analyseSeconds.toFixed(1)} s (CPU ${cpuSeconds.toFixed(0)} s), the neighbour search ${searchSeconds.toFixed(1)} s ` +
      `(${Math.round(N / analyseSeconds).toLocaleString('en-US')} rows/s); ${report.nearDuplicates.length} near-duplicate groups, ${report.outliers.files.length} outliers; ` +
      `planted pairs ≥ ${THRESHOLD} found in one group: ${plantedFound}/${plantedAbove.length} (${((100 * plantedFound) / Math.max(1, plantedAbove.length)).toFixed(1)} %)`,
  );
  say(`peak RSS: ${(peakRss() / GiB).toFixed(2)} GiB (f32 matrix ${((N * DIM * 4) / GiB).toFixed(2)} GiB, Node + onnxruntime before loading it ${(baseRss / GiB).toFixed(2)} GiB)`);

  if (QUERIES > 0) {
    // Exact truth for `queries` random rows: their products with every row (onnxruntime), top 10 and every pair ≥ 0.95.
    t = performance.now();
    const rows = Array.from({ length: Math.min(QUERIES, N) }, (_, i) => Number((BigInt(i) * 2654435761n) % BigInt(N)));
    const Q = rows.length;
    const transposed = new Float32Array(DIM * Q);
    rows.forEach((r, q) => {
      const inv = 1 / norm(data, r);
      for (let d = 0; d < DIM; d++) transposed[d * Q + q] = data[r * DIM + d] * inv;
    });
    const norms = await kernel.sumSquares(data, DIM, 0, N);
    const top = rows.map(() => [] as Array<[number, number]>);
    const pairs: Array<[number, number]> = [];
    const chunk = Math.max(1, Math.floor((1 << 22) / Q));
    for (let s = 0; s < N; s += chunk) {
      const e = Math.min(N, s + chunk);
      const dots = await kernel.project(data, DIM, s, e, transposed, Q);
      for (let i = s; i < e; i++) {
        const inv = 1 / Math.sqrt(norms[i]);
        for (let q = 0; q < Q; q++) {
          if (i === rows[q]) continue;
          const c = dots[(i - s) * Q + q] * inv;
          const list = top[q];
          if (list.length < K || c > list[K - 1][0]) {
            list.push([c, i]);
            list.sort((x, y) => y[0] - x[0]);
            if (list.length > K) list.pop();
          }
          if (c >= THRESHOLD) pairs.push([rows[q], i]);
        }
      }
    }
    const exactSeconds = seconds(t);
    let hits = 0;
    rows.forEach((r, q) => {
      const truth = new Set(top[q].map(([, i]) => i));
      for (let j = 0; j < K; j++) if (truth.has(lists.indices[r * K + j])) hits++;
    });
    const found = pairs.filter(([a, b]) => together(a, b)).length;
    say(
      `recall vs exact search on ${Q} random rows (exact: ${exactSeconds.toFixed(1)} s): recall@${K} ${((100 * hits) / (Q * K)).toFixed(2)} %; ` +
        `near-duplicate pairs ≥ ${THRESHOLD} of those rows found in one group ${found}/${pairs.length} (${((100 * found) / Math.max(1, pairs.length)).toFixed(2)} %)`,
    );
  }

  if (HNSW_ROWS > 0) {
    const sub = data.subarray(0, HNSW_ROWS * DIM);
    t = performance.now();
    const index = neighbours.buildIndex(sub, DIM);
    const buildSeconds = seconds(t);
    t = performance.now();
    neighbours.searchIndex(index, sub, DIM, { k: K }, 0);
    const hnswSearch = seconds(t);
    t = performance.now();
    await neighbours.allNeighbours(sub, DIM, { k: K, method: 'ann' });
    const cellSeconds = seconds(t);
    const { connectivity, expansionAdd, expansionSearch, quantization } = neighbours.ANN_SETTINGS;
    say(
      `baseline on the first ${HNSW_ROWS.toLocaleString('en-US')} rows: usearch HNSW (${quantization}, M=${connectivity}, ef ${expansionAdd}/${expansionSearch}, one batch add on ${os.cpus().length} threads) ` +
        `build ${buildSeconds.toFixed(1)} s (${Math.round(HNSW_ROWS / buildSeconds)} rows/s) + 10-NN of every row ${hnswSearch.toFixed(1)} s; ` +
        `cell search ${cellSeconds.toFixed(1)} s — ${((buildSeconds + hnswSearch) / cellSeconds).toFixed(1)}× faster`,
    );
  }

  if (UMAP_ROWS > 0) {
    const umap = load(path.join(dist, 'platform', 'service', 'umap')) as typeof Umap;
    t = performance.now();
    const result = await umap.computeUmap2d({ data: data.subarray(0, UMAP_ROWS * DIM), dim: DIM, rows: UMAP_ROWS });
    say(`UMAP of the first ${UMAP_ROWS.toLocaleString('en-US')} rows (as the job worker runs it, ${result.epochs} epochs): ${seconds(t).toFixed(1)} s`);
  }
  say(`peak RSS at the end: ${(peakRss() / GiB).toFixed(2)} GiB`);
  await kernel.dispose();
  process.stdout.write(lines.join('\n') + '\n');
}

await main();
