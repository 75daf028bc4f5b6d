import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadEmbeddingMatrix } from '../../src/embeddings';
import { allNeighbours, ANN_SETTINGS, newIndex } from '../../src/health/neighbours';
import { FIXTURES } from '../fixture-files';

describe('allNeighbours', () => {
  it('the HNSW lists (default settings) find what exact search finds, with the same similarities', async () => {
    const m = await loadEmbeddingMatrix(path.join(FIXTURES, 'lightly', 'embeddings_1000x32.csv'));
    const exact = allNeighbours(m.data, m.dim, { k: 10, method: 'exact' });
    const ann = allNeighbours(m.data, m.dim, { k: 10, method: 'ann' });
    expect(ann.method).toBe('ann');
    let hits = 0;
    const n = m.fileNames.length;
    for (let row = 0; row < n; row++) {
      const truth = new Set(exact.indices.subarray(row * 10, row * 10 + 10));
      for (let j = 0; j < 10; j++) if (truth.has(ann.indices[row * 10 + j])) hits++;
      // No row lists itself; similarities come best first.
      expect(ann.indices.subarray(row * 10, row * 10 + 10)).not.toContain(row);
      expect(ann.similarities[row * 10]).toBeGreaterThanOrEqual(ann.similarities[row * 10 + 9]);
    }
    expect(hits / (n * 10)).toBeGreaterThan(0.95);
    // f16 storage: the nearest neighbour's similarity within 1e-2 of exact.
    for (let row = 0; row < n; row++) {
      if (ann.indices[row * 10] === exact.indices[row * 10]) expect(Math.abs(ann.similarities[row * 10] - exact.similarities[row * 10])).toBeLessThan(1e-2);
    }
    expect(newIndex(m.dim).connectivity()).toBe(ANN_SETTINGS.connectivity);
  });
});
