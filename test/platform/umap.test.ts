import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadEmbeddingMatrix } from '../../src/embeddings';
import { allNeighbours } from '../../src/health/neighbours';
import { computePca2d } from '../../src/platform/service/pca';
import { computeUmap2d } from '../../src/platform/service/umap';
import { lowRankClusters } from '../health/low-rank-clusters';
import { FIXTURES } from '../fixture-files';

/** Share of each point's 10 nearest neighbours on the map that are among its 15 nearest in embedding space. */
async function neighbourhoodKept(data: Float32Array, dim: number, x: Float64Array, y: Float64Array): Promise<number> {
  const n = x.length;
  const high = await allNeighbours(data, dim, { k: 15, method: 'exact' });
  const flat = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    flat[2 * i] = x[i];
    flat[2 * i + 1] = y[i];
  }
  let kept = 0;
  for (let i = 0; i < n; i++) {
    const near = new Set(high.indices.subarray(i * 15, i * 15 + 15));
    const byDistance = Array.from({ length: n }, (_, j) => j)
      .filter((j) => j !== i)
      .sort((a, b) => (x[a] - x[i]) ** 2 + (y[a] - y[i]) ** 2 - ((x[b] - x[i]) ** 2 + (y[b] - y[i]) ** 2))
      .slice(0, 10);
    for (const j of byDistance) if (near.has(j)) kept++;
  }
  return kept / (n * 10);
}

describe('computeUmap2d', () => {
  it('keeps neighbourhoods better than PCA, is deterministic, and refuses what it cannot map', { timeout: 120_000 }, async () => {
    const matrix = await loadEmbeddingMatrix(path.join(FIXTURES, 'lightly', 'embeddings_1000x32.csv'));
    const input = { data: matrix.data, dim: matrix.dim, rows: matrix.fileNames.length };
    const progress: number[] = [];
    const umap = await computeUmap2d(input, { onProgress: (p) => progress.push(p.done) });
    expect(umap.x.every(Number.isFinite) && umap.y.every(Number.isFinite)).toBe(true);
    expect(progress.at(-1)).toBe(umap.epochs);
    const again = await computeUmap2d(input);
    expect(Array.from(again.x)).toEqual(Array.from(umap.x));

    const pca = computePca2d(input);
    const umapKept = await neighbourhoodKept(matrix.data, matrix.dim, umap.x, umap.y);
    const pcaKept = await neighbourhoodKept(matrix.data, matrix.dim, pca.x, pca.y);
    expect(umapKept).toBeGreaterThan(pcaKept);

    await expect(computeUmap2d({ data: matrix.data.subarray(0, 10 * 32), dim: 32, rows: 10 })).rejects.toThrow(/more than 15 samples/);
    await expect(computeUmap2d({ data: new Float32Array(0), dim: 32, rows: 100_001 })).rejects.toThrow(/up to 100,000/);
  });
  it('above fitPoints lays out a sample and places the rest among their neighbours: deterministic, neighbourhoods kept better than PCA', { timeout: 120_000 }, async () => {
    const rows = 2400;
    const dim = 32;
    const data = lowRankClusters({ seed: 3, rows, dim, rank: 6, clusters: 12, noise: 0 });
    const input = { data, dim, rows };
    const umap = await computeUmap2d(input, { fitPoints: 600 });
    expect(umap.x.every(Number.isFinite) && umap.y.every(Number.isFinite)).toBe(true);
    expect(Array.from((await computeUmap2d(input, { fitPoints: 600 })).x)).toEqual(Array.from(umap.x));
    const pca = computePca2d(input);
    expect(await neighbourhoodKept(data, dim, umap.x, umap.y)).toBeGreaterThan(await neighbourhoodKept(data, dim, pca.x, pca.y));
  });
});
