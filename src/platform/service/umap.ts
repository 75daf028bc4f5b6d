import { UMAP } from 'umap-js';
import { InvalidConfigError } from '../../errors';
import { allNeighbours, type NeighbourLists } from '../../health/neighbours';
import { measureProgress, type ProgressCallback } from '../../progress';
import { SeededRandom, randomPermutation, uniformRandom } from '../../select/random';

/** Most points a UMAP map is computed for (the bound; above it the map stays PCA). */
export const UMAP_MAX_POINTS = 100_000;
/** umap-learn's defaults: 15 neighbours (self included) balance local and global structure; min_dist 0.1. */
const N_NEIGHBOURS = 15;
const MIN_DIST = 0.1;

/**
 * Above this many points the layout is optimised on a seeded sample of this many and the other points are placed
 * among their nearest neighbours (see `placeAmongNeighbours`): umap-js's fuzzy graph and epochs cost time in
 * proportion to the points, several minutes at 100,000 on two cores (bench/health/scale-bench.mts --umap).
 */
export const UMAP_FIT_POINTS = 20_000;
/** Passes of `placeAmongNeighbours`: each reaches one more step along the neighbour graph from the sample. */
const PLACEMENT_PASSES = 8;

/**
 * 2-D UMAP of an embedding matrix (cosine). The k-nearest-neighbour graph comes from the same search as the health
 * analysis (exact up to 20,000 rows, the cell search of src/health/cell-neighbours.ts above), handed to umap-js as
 * precomputed, so umap-js only builds the fuzzy graph and optimises the layout: its own JavaScript neighbour descent
 * over 1,280-d vectors would dominate the time. Above `fitPoints` (UMAP_FIT_POINTS) umap-js lays out a seeded sample
 * and every other point goes to the similarity-weighted mean of its already placed neighbours, as umap-learn's
 * `transform` initialises new points. Deterministic (seeded). Runs in the platform's worker thread.
 *
 * @example
 * await computeUmap2d({ data: matrix.data, dim: 1280, rows: 5000 }) // → { x: Float64Array(5000) [3.1, -0.4, …], y: …, epochs: 400 }
 */
export async function computeUmap2d(
  matrix: { data: Float32Array; dim: number; rows: number },
  options: { onProgress?: ProgressCallback; signal?: AbortSignal; seed?: number; fitPoints?: number } = {},
): Promise<{ x: Float64Array; y: Float64Array; epochs: number }> {
  const n = matrix.rows;
  const { dim } = matrix;
  if (n > UMAP_MAX_POINTS) throw new InvalidConfigError(`UMAP maps are computed for up to ${UMAP_MAX_POINTS.toLocaleString('en')} samples, this embedding has ${n.toLocaleString('en')}: use the PCA map`);
  if (n <= N_NEIGHBOURS) throw new InvalidConfigError(`UMAP needs more than ${N_NEIGHBOURS} samples, this embedding has ${n}: use the PCA map`);
  const started = Date.now();
  const seed = options.seed ?? 42;
  const lists = await allNeighbours(matrix.data, dim, { k: N_NEIGHBOURS - 1, signal: options.signal });
  const fitPoints = Math.max(N_NEIGHBOURS + 1, options.fitPoints ?? UMAP_FIT_POINTS);
  if (n <= fitPoints) return layout(lists, n, seed, started, options);

  const sample = randomPermutation(n, new SeededRandom(seed)).subarray(0, fitPoints).sort();
  const sampleData = new Float32Array(fitPoints * dim);
  sample.forEach((row, i) => sampleData.set(matrix.data.subarray(row * dim, (row + 1) * dim), i * dim));
  // The cell search even at the sample's size: exact search over 20,000 × 1,280 alone costs minutes here.
  const sampleLists = await allNeighbours(sampleData, dim, { k: N_NEIGHBOURS - 1, method: 'ann', signal: options.signal });
  const fitted = layout(sampleLists, fitPoints, seed, started, options);
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  const placed = new Uint8Array(n);
  sample.forEach((row, i) => {
    x[row] = fitted.x[i];
    y[row] = fitted.y[i];
    placed[row] = 1;
  });
  placeAmongNeighbours(lists, x, y, placed, seed);
  return { x, y, epochs: fitted.epochs };
}

/** umap-js's layout of `n` points from their neighbour lists (k-NN distances = 1 − cosine). */
function layout(
  lists: NeighbourLists,
  n: number,
  seed: number,
  started: number,
  options: { onProgress?: ProgressCallback; signal?: AbortSignal },
): { x: Float64Array; y: Float64Array; epochs: number } {
  const knnIndices: number[][] = new Array(n);
  const knnDistances: number[][] = new Array(n);
  for (let row = 0; row < n; row++) {
    // umap-learn's lists start with the point itself at distance 0; its local connectivity counts on it.
    const indices = [row];
    const distances = [0];
    for (let j = 0; j < lists.k; j++) {
      const other = lists.indices[row * lists.k + j];
      if (other < 0) break;
      indices.push(other);
      distances.push(Math.max(0, 1 - lists.similarities[row * lists.k + j]));
    }
    knnIndices[row] = indices;
    knnDistances[row] = distances;
  }
  const umap = new UMAP({ nComponents: 2, nNeighbors: N_NEIGHBOURS, minDist: MIN_DIST, random: uniformRandom(seed) });
  umap.setPrecomputedKNN(knnIndices, knnDistances);
  // With the neighbours given, umap-js reads the data only for its length.
  const epochs = umap.initializeFit(Array.from({ length: n }, () => []));
  for (let epoch = 0; epoch < epochs; epoch++) {
    umap.step();
    if (epoch % 10 === 9) {
      options.signal?.throwIfAborted();
      options.onProgress?.(measureProgress(epoch + 1, epochs, started));
    }
  }
  const embedding = umap.getEmbedding();
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = embedding[i][0];
    y[i] = embedding[i][1];
  }
  return { x, y, epochs };
}

/**
 * Places every point not yet `placed` at the similarity-weighted mean of its placed neighbours, pass after pass
 * (a pass sees only what earlier passes placed, so the result does not depend on the row order), plus a seeded jitter
 * of 1 % of the layout's spread so that points with the same neighbours do not stack. Points no pass reaches (a
 * neighbour component without any sample point) go to the layout's centre.
 */
export function placeAmongNeighbours(lists: NeighbourLists, x: Float64Array, y: Float64Array, placed: Uint8Array, seed: number): void {
  const n = placed.length;
  const { k } = lists;
  let meanX = 0;
  let meanY = 0;
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (!placed[i]) continue;
    meanX += x[i];
    meanY += y[i];
    count++;
  }
  meanX /= count;
  meanY /= count;
  let spread = 0;
  for (let i = 0; i < n; i++) if (placed[i]) spread += (x[i] - meanX) ** 2 + (y[i] - meanY) ** 2;
  const jitter = 0.01 * Math.sqrt(spread / count);
  const random = uniformRandom(seed ^ 0x2545f491);
  for (let pass = 0; pass < PLACEMENT_PASSES; pass++) {
    const before = placed.slice();
    let added = 0;
    for (let i = 0; i < n; i++) {
      if (before[i]) continue;
      let sx = 0;
      let sy = 0;
      let sw = 0;
      for (let j = 0; j < k; j++) {
        const other = lists.indices[i * k + j];
        if (other < 0) break;
        if (!before[other]) continue;
        const w = Math.max(lists.similarities[i * k + j], 0) + 1e-6;
        sx += w * x[other];
        sy += w * y[other];
        sw += w;
      }
      if (sw === 0) continue;
      x[i] = sx / sw + jitter * (random() - 0.5);
      y[i] = sy / sw + jitter * (random() - 0.5);
      placed[i] = 1;
      added++;
    }
    if (added === 0) break;
  }
  for (let i = 0; i < n; i++) {
    if (placed[i]) continue;
    x[i] = meanX;
    y[i] = meanY;
  }
}
