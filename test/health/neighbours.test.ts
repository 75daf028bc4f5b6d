import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadEmbeddingMatrix } from '../../src/embeddings';
import { cellNeighbours } from '../../src/health/cell-neighbours';
import { allNeighbours, ANN_SETTINGS, newIndex } from '../../src/health/neighbours';
import { uniformRandom } from '../../src/select/random';
import { FIXTURES } from '../fixture-files';
import { lowRankClusters } from './low-rank-clusters';

function cosine(data: Float32Array, dim: number, a: number, b: number): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let d = 0; d < dim; d++) {
    ab += data[a * dim + d] * data[b * dim + d];
    aa += data[a * dim + d] ** 2;
    bb += data[b * dim + d] ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

describe('allNeighbours', () => {
  it('the cell search in one cell over all axes is exact search, similarities included', async () => {
    const m = await loadEmbeddingMatrix(path.join(FIXTURES, 'lightly', 'embeddings_1000x32.csv'));
    const exact = await allNeighbours(m.data, m.dim, { k: 10, method: 'exact' });
    const ann = await allNeighbours(m.data, m.dim, { k: 10, method: 'ann', cells: { cellSize: 5000, components: 32 } });
    expect(ann.method).toBe('ann');
    let hits = 0;
    const n = m.fileNames.length;
    for (let row = 0; row < n; row++) {
      const truth = new Set(exact.indices.subarray(row * 10, row * 10 + 10));
      for (let j = 0; j < 10; j++) if (truth.has(ann.indices[row * 10 + j])) hits++;
      // No row lists itself; similarities come best first and are the exact cosine of the pair.
      expect(ann.indices.subarray(row * 10, row * 10 + 10)).not.toContain(row);
      expect(ann.similarities[row * 10]).toBeGreaterThanOrEqual(ann.similarities[row * 10 + 9]);
      expect(ann.similarities[row * 10]).toBeCloseTo(cosine(m.data, m.dim, row, ann.indices[row * 10]), 5);
    }
    // Ties in the 10th place may differ.
    expect(hits / (n * 10)).toBeGreaterThan(0.99);
    // The HNSW index stays the incremental check's and find-similar's.
    expect(newIndex(m.dim).connectivity()).toBe(ANN_SETTINGS.connectivity);
  });

  it('the cell search over many cells and a 16-d PCA space keeps most neighbours of data with few intrinsic dimensions', async () => {
    const n = 3000;
    const dim = 96;
    const data = lowRankClusters({ seed: 7, rows: n, dim, rank: 8, clusters: 30, noise: 0.3 });
    const exact = await allNeighbours(data, dim, { k: 10, method: 'exact' });
    const ann = await allNeighbours(data, dim, { k: 10, method: 'ann', cells: { cellSize: 200, components: 16 } });
    let hits = 0;
    for (let row = 0; row < n; row++) {
      const truth = new Set(exact.indices.subarray(row * 10, row * 10 + 10));
      for (let j = 0; j < 10; j++) if (truth.has(ann.indices[row * 10 + j])) hits++;
    }
    expect(hits / (n * 10)).toBeGreaterThan(0.9);
  });

  it('pads the lists of a tiny dataset with −1', async () => {
    const lists = await cellNeighbours(new Float32Array([1, 0, 0, 1, 1, 1]), 2, { k: 4 });
    expect(Array.from(lists.indices.subarray(0, 4))).toEqual([2, 1, -1, -1]);
    expect(lists.similarities[0]).toBeCloseTo(Math.SQRT1_2, 6);
  });
});

describe('cellNeighbours', () => {
  it('finds every planted near duplicate (cosine ≥ 0.95) among clustered rows, whatever the seed and cell size', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 30 }), fc.integer({ min: 40, max: 400 }), async (seed, cellSize) => {
        const random = uniformRandom(seed);
        const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
        const n = 1500;
        const dim = 48;
        const centres = Array.from({ length: 20 }, () => Array.from({ length: dim }, gauss));
        const data = new Float32Array(n * dim);
        for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) data[i * dim + d] = centres[i % 20][d] + gauss();
        // Rows 2p+1 become noisy copies of rows 2p (cosine ≈ 0.97–0.99).
        const pairs: Array<[number, number]> = [];
        for (let a = 0; a < 300; a += 2) {
          for (let d = 0; d < dim; d++) data[(a + 1) * dim + d] = data[a * dim + d] + 0.15 * gauss();
          pairs.push([a, a + 1]);
        }
        const lists = await cellNeighbours(data, dim, { k: 5, settings: { cellSize, components: 16, seed } });
        for (const [a, b] of pairs) {
          if (cosine(data, dim, a, b) < 0.95) continue;
          expect(Array.from(lists.indices.subarray(a * 5, a * 5 + 5))).toContain(b);
        }
      }),
      { numRuns: 6 },
    );
  });
});
