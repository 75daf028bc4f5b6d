/**
 * Health at scale: near-duplicate groups over N embeddings with the ANN index, recall against exact search.
 *
 *   npm run build && npx node bench/health/scale-bench.mts [--n 100000] [--dim 256] [--pairs 2000] [--queries 1000] [--settings f16:128:96,f16:32:48]
 *
 * Embeddings are synthetic (clustered Gaussian directions, unit norm) with `pairs` planted near duplicates (a row
 * plus small noise, cosine ≈ 0.97); real embeddings at this count do not ship in any registry package. Prints:
 *   - per index setting (quantization:expansionAdd:expansionSearch, in the same run; the first is the ratio's baseline): build +
 *     all-neighbour search time of the usearch HNSW index and the near-duplicate grouping time;
 *   - recall@10 of the ANN neighbour lists against exact brute force on `queries` random rows (usearch exactSearch);
 *   - recall of the planted near-duplicate pairs found by the grouping (threshold 0.95);
 *   - peak RSS (memory: N × dim × 4 bytes of f32 input + N × dim × 2 of f16 index + graph ≈ N × 16 × 2 × 4 bytes).
 */
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { MetricKind, exactSearch } from 'usearch';
import type * as Neighbours from '../../src/health/neighbours';
import type * as Duplicates from '../../src/health/duplicates';

const load = createRequire(import.meta.url);
const dist = path.join(import.meta.dirname, '..', '..', 'dist', 'src', 'health');
const neighbours = load(path.join(dist, 'neighbours')) as typeof Neighbours;
const duplicates = load(path.join(dist, 'duplicates')) as typeof Duplicates;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}
const N = Number(arg('n', '100000'));
const DIM = Number(arg('dim', '256'));
const PAIRS = Number(arg('pairs', '2000'));
const QUERIES = Number(arg('queries', '1000'));
const K = 10;

let seed = 12345;
function gauss(): number {
  // xorshift + Box–Muller: deterministic and fast enough for 10^8 draws.
  const u = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return ((seed >>> 0) + 1) / 4294967297;
  };
  return Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

function normalise(v: Float32Array, o: number): void {
  let s = 0;
  for (let d = 0; d < DIM; d++) s += v[o + d] ** 2;
  const inv = 1 / Math.sqrt(s);
  for (let d = 0; d < DIM; d++) v[o + d] *= inv;
}

let peak = 0;
const sample = () => (peak = Math.max(peak, process.memoryUsage().rss));
const timer = setInterval(sample, 200);

const t0 = performance.now();
const clusters = 1000;
const centres = new Float32Array(clusters * DIM);
for (let i = 0; i < centres.length; i++) centres[i] = gauss();
const data = new Float32Array(N * DIM);
for (let i = 0; i < N; i++) {
  const c = i % clusters;
  for (let d = 0; d < DIM; d++) data[i * DIM + d] = centres[c * DIM + d] + 1.2 * gauss();
  normalise(data, i * DIM);
}
// Planted pairs: row 2p+1 becomes row 2p plus noise (cosine ≈ 0.97).
const planted: Array<[number, number]> = [];
for (let p = 0; p < PAIRS; p++) {
  const a = (p * 2 * 7919) % N;
  const b = (a + 1) % N;
  for (let d = 0; d < DIM; d++) data[b * DIM + d] = data[a * DIM + d] + 0.25 * gauss() / Math.sqrt(DIM);
  normalise(data, b * DIM);
  planted.push([a, b]);
}
const genSeconds = (performance.now() - t0) / 1000;

// Each setting in the same run: `--settings f16:128:96,f16:32:48` = quantization:expansionAdd:expansionSearch
// (connectivity 16); the first (the default, ANN_SETTINGS) is the baseline of the printed ratios.
const SETTINGS = arg('settings', 'f16:128:96,f16:32:48')
  .split(',')
  .map((spec) => {
    const [quantization, expansionAdd, expansionSearch] = spec.split(':');
    return { ...neighbours.ANN_SETTINGS, quantization: quantization as 'i8' | 'f16' | 'f32', expansionAdd: Number(expansionAdd), expansionSearch: Number(expansionSearch) };
  });
const fileNames = Array.from({ length: N }, (_, i) => `img_${i}.jpg`);
// Exact truth for the recall queries, once.
const t3 = performance.now();
const rows = Array.from({ length: Math.min(QUERIES, N) }, (_, i) => Math.floor((i * 2654435761) % N));
const queries = new Float32Array(rows.length * DIM);
rows.forEach((r, i) => queries.set(data.subarray(r * DIM, (r + 1) * DIM), i * DIM));
const exact = exactSearch(data, queries, DIM, K + 1, MetricKind.Cos, 0);
const truth = rows.map((r, i) => {
  const set = new Set<number>();
  for (let j = 0; j < K + 1; j++) {
    const key = Number(exact.keys[i * (K + 1) + j]);
    if (key !== r && set.size < K) set.add(key);
  }
  return set;
});
const exactSeconds = (performance.now() - t3) / 1000;

const results: string[] = [];
let baseline = 0;
for (const ann of SETTINGS) {
  const t1 = performance.now();
  const lists = neighbours.allNeighbours(data, DIM, { k: K, method: 'ann', ann });
  const annSeconds = (performance.now() - t1) / 1000;
  sample();
  const t2 = performance.now();
  const groups = duplicates.nearDuplicateGroups(fileNames, lists, { threshold: 0.95, layoutThreshold: 0.95 }, new Map(), 'earliest');
  const groupSeconds = (performance.now() - t2) / 1000;
  const groupOf = new Map<string, number>();
  groups.forEach((g, i) => g.files.forEach((f) => groupOf.set(f, i)));
  const foundPairs = planted.filter(([a, b]) => groupOf.get(fileNames[a]) !== undefined && groupOf.get(fileNames[a]) === groupOf.get(fileNames[b])).length;
  let hits = 0;
  rows.forEach((r, i) => {
    for (let j = 0; j < K; j++) if (truth[i].has(lists.indices[r * K + j])) hits++;
  });
  if (baseline === 0) baseline = annSeconds;
  results.push(
    `${ann.quantization}, M=${ann.connectivity}, ef ${ann.expansionAdd}/${ann.expansionSearch}: index build + ${K}-NN of every row ${annSeconds.toFixed(1)} s ` +
      `(${Math.round(N / annSeconds).toLocaleString('en-US')} rows/s, ${(annSeconds / baseline).toFixed(2)}× the first); groups ${groupSeconds.toFixed(2)} s, ${groups.length} groups; ` +
      `planted pairs found ${foundPairs}/${PAIRS} (${((100 * foundPairs) / PAIRS).toFixed(1)} %); recall@${K} vs exact on ${rows.length} queries ${((100 * hits) / (rows.length * K)).toFixed(2)} %`,
  );
}
clearInterval(timer);
sample();

const out = [
  `health scale bench: N=${N.toLocaleString('en-US')} × ${DIM}-d, ${PAIRS} planted near-duplicate pairs; ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)}`,
  `generate: ${genSeconds.toFixed(1)} s; exact search for the recall queries: ${exactSeconds.toFixed(1)} s`,
  ...results,
  `peak RSS: ${(peak / 2 ** 30).toFixed(2)} GiB (input ${((N * DIM * 4) / 2 ** 30).toFixed(2)} GiB f32)`,
];
process.stdout.write(out.join('\n') + '\n');
