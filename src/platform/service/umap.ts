import { UMAP } from 'umap-js';
import { InvalidConfigError } from '../../errors';
import { allNeighbours } from '../../health/neighbours';
import { measureProgress, type ProgressCallback } from '../../progress';
import { uniformRandom } from '../../select/random';

/** Most points a UMAP map is computed for (the bound; above it the map stays PCA). */
export const UMAP_MAX_POINTS = 100_000;
/** umap-learn's defaults: 15 neighbours (self included) balance local and global structure; min_dist 0.1. */
const N_NEIGHBOURS = 15;
const MIN_DIST = 0.1;

/**
 * 2-D UMAP of an embedding matrix (cosine). The k-nearest-neighbour graph comes from the same search as the health
 * analysis (exact up to 20,000 rows, the cell search of src/health/cell-neighbours.ts above), handed to umap-js as precomputed, so umap-js only
 * builds the fuzzy graph and optimises the layout: its own JavaScript neighbour descent over 1,280-d vectors would
 * dominate the time. Deterministic (seeded). Runs in the platform's worker thread.
 *
 * @example
 * await computeUmap2d({ data: matrix.data, dim: 1280, rows: 5000 }) // → { x: Float64Array(5000) [3.1, -0.4, …], y: …, epochs: 400 }
 */
export async function computeUmap2d(
  matrix: { data: Float32Array; dim: number; rows: number },
  options: { onProgress?: ProgressCallback; signal?: AbortSignal; seed?: number } = {},
): Promise<{ x: Float64Array; y: Float64Array; epochs: number }> {
  const n = matrix.rows;
  if (n > UMAP_MAX_POINTS) throw new InvalidConfigError(`UMAP maps are computed for up to ${UMAP_MAX_POINTS.toLocaleString('en')} samples, this embedding has ${n.toLocaleString('en')}: use the PCA map`);
  if (n <= N_NEIGHBOURS) throw new InvalidConfigError(`UMAP needs more than ${N_NEIGHBOURS} samples, this embedding has ${n}: use the PCA map`);
  const started = Date.now();
  const lists = await allNeighbours(matrix.data, matrix.dim, { k: N_NEIGHBOURS - 1, signal: options.signal });
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
  const umap = new UMAP({ nComponents: 2, nNeighbors: N_NEIGHBOURS, minDist: MIN_DIST, random: uniformRandom(options.seed ?? 42) });
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
