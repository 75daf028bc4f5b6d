import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSelectionConfig, selectSamples } from '../../src/select';
import { createDotKernel, type DotKernel } from '../../src/select/kernels/dot-kernel';
import { HERDING_POOL, REFERENCES, buildNeighbourhoods } from '../../src/select/neighbourhoods';
import { SeededRandom } from '../../src/select/random';

/**
 * The large-set path of the neighbour densities (synthetic unit rows, 60,000 × 16: past 54,614 candidates the
 * neighbour rank among 4,096 references rounds to 1): herding's pool is a seeded sample holding every reference, the
 * typicality of every other candidate is 1 / distance to its nearest reference (from onnxruntime's Gemm + ReduceMax),
 * and the references exclude themselves.
 */

const M = 60_000;
const DIM = 16;
let data: Float32Array;
let kernel: DotKernel;
/** Herding's pool for seed 3, as the first test measured it. */
let pool: Set<number>;

beforeAll(async () => {
  const random = new SeededRandom(7);
  data = new Float32Array(M * DIM);
  for (let i = 0; i < M; i++) {
    // 20 blobs along the axes and their negatives, spread 0.3: dense and sparse regions.
    const axis = i % 20;
    let norm = 0;
    for (let j = 0; j < DIM; j++) {
      const v = (j === axis % DIM ? (axis < DIM ? 1 : -1) : 0) + 0.3 * (random.nextOpenUnit() - 0.5);
      data[i * DIM + j] = v;
      norm += v * v;
    }
    for (let j = 0; j < DIM; j++) data[i * DIM + j] /= Math.sqrt(norm);
  }
  kernel = await createDotKernel('onnxruntime', Number.MAX_SAFE_INTEGER);
});

afterAll(async () => {
  await kernel?.dispose();
});

const space = () => ({ scan: data, dim: DIM, rows: M, rowScale: null, candidateOf: Int32Array.from({ length: M }, (_, c) => c), owned: false });

describe('neighbour densities on a large set', () => {
  it('samples a pool that holds the references, and takes typicality from the nearest reference', async () => {
    const hoods = await buildNeighbourhoods({ kernel, space: space(), candidates: M, seed: 3, herdingCandidates: HERDING_POOL });
    pool = new Set(hoods.pool);
    expect(hoods.referenceCount).toBe(REFERENCES);
    expect(hoods.neighbours).toBe(1);
    expect(hoods.pool).toHaveLength(HERDING_POOL);
    expect([...hoods.pool]).toEqual([...hoods.pool].sort((a, b) => a - b));
    const inPool = pool;
    expect([...hoods.referenceCandidates].every((c) => inPool.has(c))).toBe(true);
    // Kernel mass only where herding may pick.
    const outside = Array.from({ length: M }, (_, c) => c).filter((c) => !inPool.has(c));
    expect(outside.every((c) => hoods.mass[c] === 0)).toBe(true);
    expect([...hoods.pool].every((c) => hoods.mass[c] > 0)).toBe(true);

    const isReference = new Set(hoods.referenceCandidates);
    const nearestReference = (c: number) => {
      let best = -Infinity;
      for (const r of hoods.referenceCandidates) {
        if (r === c) continue;
        let dot = 0;
        for (let j = 0; j < DIM; j++) dot += data[c * DIM + j] * data[r * DIM + j];
        best = Math.max(best, dot);
      }
      return 1 / Math.max(Math.sqrt(Math.max(0, 2 - 2 * best)), 1e-6);
    };
    const checked = [...outside.slice(0, 50), ...hoods.referenceCandidates.slice(0, 50), ...hoods.pool.filter((c) => !isReference.has(c)).slice(0, 50)];
    for (const c of checked) expect(hoods.typicality[c]).toBeCloseTo(nearestReference(c), 2);
    // A reference's own zero distance is never its nearest neighbour.
    expect(Math.max(...hoods.referenceCandidates.slice(0, 200).map((c) => hoods.typicality[c]))).toBeLessThan(1e5);
  });

  it('the default herds only from the pool, then hands over to k-center and ranks every candidate', async () => {
    const fileNames = Array.from({ length: M }, (_, i) => `r${i}.jpg`);
    const embeddings = { fileNames, labels: new Int32Array(M), dim: DIM, data };
    const result = await selectSamples({ embeddings, config: parseSelectionConfig({ strategy: 'coverage-diversity', n: 1100, seed: 3 }) });
    expect(result.stats.coverage).toMatchObject({ picks: 1024, stoppedBy: 'handOver' });
    expect(result.selected).toHaveLength(1100);
    expect(result.ranking).toHaveLength(M);
    expect(new Set(result.ranking.map((r) => r.fileName)).size).toBe(M);
    expect(result.ranking.slice(0, 1024).every((r) => pool.has(r.index))).toBe(true);
    // Herding picks say how many samples they newly covered; the k-center picks after the hand-over how far they are.
    expect(result.ranking[0].reason.covered).toBeGreaterThan(0);
    expect(result.ranking[1050].reason.distance).toBeGreaterThan(0);
  });
});
