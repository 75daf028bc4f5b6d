import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EmbeddingMatrix } from '../../src/embeddings/matrix';
import { parseSelectionConfig, selectSamples } from '../../src/select';

function matrix(rows: number[][], names?: string[]): EmbeddingMatrix {
  const dim = rows[0].length;
  return {
    fileNames: names ?? rows.map((_, i) => `s${i}.jpg`),
    labels: new Int32Array(rows.length),
    dim,
    data: Float32Array.from(rows.flat()),
  };
}

/** Unit vectors at the given angles (degrees) on the circle: distances are hand-checkable chords. */
function circle(degrees: number[]): EmbeddingMatrix {
  return matrix(degrees.map((d) => [Math.cos((d * Math.PI) / 180), Math.sin((d * Math.PI) / 180)]), degrees.map((d) => `deg${d}.jpg`));
}

const chord = (deg: number) => 2 * Math.sin((deg * Math.PI) / 360);

describe('k-center greedy (DIVERSITY)', () => {
  it('picks the farthest point each time and reports the distance to the nearest earlier pick', async () => {
    const embeddings = circle([0, 10, 90, 180, 185, 270]);
    const result = await selectSamples({ embeddings, preselected: ['deg0.jpg'], config: parseSelectionConfig({ n: 3, strategy: 'coreset' }) });
    // From 0°: 180° is farthest (chord 2); then 90°/270° tie at chord(90) and the seeded tie-break chooses; then the other.
    expect(result.selected[0]).toBe('deg180.jpg');
    expect(result.ranking[0].reason.distance).toBeCloseTo(2, 5);
    expect(result.ranking[0].reason.nearest).toBe('deg0.jpg');
    expect(new Set(result.selected.slice(1))).toEqual(new Set(['deg90.jpg', 'deg270.jpg']));
    expect(result.ranking[1].reason.distance).toBeCloseTo(chord(90), 5);
    // Left: 10° (from 0°) and 185° (from 180°): the covering radius is chord(10).
    expect(result.coveringRadius).toBeCloseTo(chord(10), 5);
    expect(result.stoppedBy).toBe('n');
    expect(result.ranking.map((r) => r.fileName).slice(3)).toEqual(['deg10.jpg', 'deg185.jpg']);
    expect(result.ranking[3].score).toBeCloseTo(chord(10), 5);
    expect(result.ranking[4].score).toBeCloseTo(chord(5), 5);
  });

  it('normalises rows, so scale does not matter', async () => {
    const a = await selectSamples({ embeddings: matrix([[1, 0], [0, 1], [1, 1], [-1, 0]]), config: parseSelectionConfig({ n: 3, strategy: 'coreset', seed: 3 }) });
    const b = await selectSamples({ embeddings: matrix([[5, 0], [0, 0.1], [3, 3], [-2, 0]]), config: parseSelectionConfig({ n: 3, strategy: 'coreset', seed: 3 }) });
    expect(b.selected).toEqual(a.selected);
  });

  it('stops at minDistance once every candidate is that close to a pick', async () => {
    const embeddings = circle([0, 5, 120, 125, 240, 245]);
    const result = await selectSamples({ embeddings, config: parseSelectionConfig({ minDistance: 0.5, strategy: 'coreset' }) });
    expect(result.stoppedBy).toBe('minDistance');
    expect(result.selected).toHaveLength(3);
    expect(result.coveringRadius).toBeCloseTo(chord(5), 5);
    expect(result.ranking).toHaveLength(6);
  });

  it('treats preselected samples (a datapool) as centres: a rerun only adds what is new and different', async () => {
    const first = circle([0, 1, 2, 90, 91, 180]);
    const run1 = await selectSamples({ embeddings: first, config: parseSelectionConfig({ minDistance: 0.2, strategy: 'coreset' }) });
    expect(run1.selected).toHaveLength(3);
    expect(run1.selected.map((f) => Math.round(Number(f.slice(3, -4)) / 90))).toEqual(expect.arrayContaining([0, 1, 2]));
    // New data arrives: near-copies of what is covered, plus one new direction (270°).
    const second = circle([0, 1, 2, 90, 91, 180, 3, 92, 270]);
    const run2 = await selectSamples({
      embeddings: second,
      preselected: run1.selected,
      config: parseSelectionConfig({ minDistance: 0.2, strategy: 'coreset' }),
    });
    expect(run2.selected).toEqual(['deg270.jpg']);
    expect(run2.ranking.map((r) => r.fileName)).not.toContain(run1.selected[0]);
    expect(run2.stats.preselected).toBe(3);
  });

  it('is deterministic: same inputs, config and seed give the same result; another seed may start elsewhere', async () => {
    const rows = Array.from({ length: 200 }, (_, i) => [Math.sin(i * 1.7), Math.cos(i * 0.3), Math.sin(i * 0.11 + 1)]);
    const config = parseSelectionConfig({ n: 20, strategy: 'coreset', seed: 42 });
    const a = await selectSamples({ embeddings: matrix(rows), config });
    const b = await selectSamples({ embeddings: matrix(rows), config });
    expect(b.ranking).toEqual(a.ranking);
    expect(b.selected).toEqual(a.selected);
  });

  it('gives the same picks with lazy picking and cell pruning as with plain full scans', async () => {
    // 400 points in 8 clusters in 12 dims, projected to 6 (an owned copy the engine may regroup into cells).
    const rnd = mulberry(7);
    const centres = Array.from({ length: 8 }, () => Array.from({ length: 12 }, () => rnd() - 0.5));
    const rows = Array.from({ length: 400 }, (_, i) => centres[i % 8].map((x) => x + 0.05 * (rnd() - 0.5)));
    const names = rows.map((_, i) => `s${i}.jpg`);
    // Pure diversity: lazy upper-bound picking after the first 32 centres.
    const pure = parseSelectionConfig({ n: 150, rankDepth: 150, strategy: 'coreset', projectionDim: 6, seed: 1 });
    const lazy = await selectSamples({ embeddings: matrix(rows), config: pure });
    const full = await selectSamples({ embeddings: matrix(rows), config: pure, pruning: false });
    expect(full.stats.rowsScanned).toBe(150 * 400);
    expect(lazy.selected).toEqual(full.selected);
    expect(lazy.coveringRadius).toBeCloseTo(full.coveringRadius!, 6);
    expect(lazy.ranking.map((r) => r.fileName)).toEqual(full.ranking.map((r) => r.fileName));
    // With a second strategy the loop is not pure diversity: cells are regrouped and skipped instead.
    const meta = new Map(names.map((n, i) => [n, { q: i % 5 }]));
    const mixed = parseSelectionConfig({
      n: 150,
      rankDepth: 150,
      projectionDim: 6,
      strategies: [
        { input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY' } },
        { input: { type: 'METADATA', key: 'q' }, strategy: { type: 'WEIGHTS', strength: 0.2 } },
      ],
    });
    const pruned = await selectSamples({ embeddings: matrix(rows), metadata: meta, config: mixed });
    const plain = await selectSamples({ embeddings: matrix(rows), metadata: meta, config: mixed, pruning: false });
    expect(pruned.stats.rowsScanned).toBeLessThan(0.8 * 150 * 400);
    expect(pruned.selected).toEqual(plain.selected);
  });
});

describe('lazy picking', () => {
  const rnd = mulberry(11);
  const rows = Array.from({ length: 300 }, () => Array.from({ length: 5 }, () => rnd() - 0.5));

  it('stops at minDistance and keeps preselected centres exactly as the plain loop does', async () => {
    const names = rows.map((_, i) => `s${i}.jpg`);
    const config = parseSelectionConfig({ minDistance: 0.35, strategy: 'coreset', seed: 4 });
    const preselected = [names[3], names[250]];
    const lazy = await selectSamples({ embeddings: matrix(rows), config, preselected });
    const plain = await selectSamples({ embeddings: matrix(rows), config, preselected, pruning: false });
    expect(lazy.stoppedBy).toBe('minDistance');
    expect(lazy.selected.length).toBeGreaterThan(40);
    expect(lazy.selected).toEqual(plain.selected);
    expect(lazy.coveringRadius).toBeCloseTo(plain.coveringRadius!, 6);
    expect(lazy.coveringRadius!).toBeLessThan(0.35);
    expect(lazy.ranking.map((r) => r.fileName)).toEqual(plain.ranking.map((r) => r.fileName));
  });

  it('reports progress and stops when aborted', async () => {
    const seen: number[] = [];
    const controller = new AbortController();
    const config = parseSelectionConfig({ n: 300, strategy: 'coreset' });
    const done = await selectSamples({ embeddings: matrix(rows), config, onProgress: (p) => seen.push(p.done) });
    expect(seen.at(-1)).toBe(300);
    controller.abort(new Error('stop'));
    await expect(selectSamples({ embeddings: matrix(rows), config, signal: controller.signal })).rejects.toThrow('stop');
    expect(done.selected).toHaveLength(300);
  });
});

function mulberry(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('covering radius (property)', () => {
  it('the greedy covering radius is never more than twice the optimum (brute force on small sets)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.double({ min: -1, max: 1, noNaN: true }), fc.double({ min: -1, max: 1, noNaN: true }), fc.double({ min: -1, max: 1, noNaN: true })), { minLength: 4, maxLength: 9 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer(),
        async (points, k, seed) => {
          const rows = points.filter(([x, y, z]) => Math.hypot(x, y, z) > 1e-3).map(([x, y, z]) => [x, y, z]);
          fc.pre(rows.length > k);
          const unit = rows.map((r) => {
            const f = Math.fround;
            const v = r.map(f);
            const n = Math.hypot(...v);
            return v.map((x) => x / n);
          });
          const result = await selectSamples({ embeddings: matrix(rows), config: parseSelectionConfig({ n: k, strategy: 'coreset', seed }) });
          const dist = (a: number[], b: number[]) => Math.hypot(...a.map((x, j) => x - b[j]));
          const radius = (centres: number[]) => Math.max(...unit.map((u) => Math.min(...centres.map((c) => dist(u, unit[c])))));
          let optimum = Infinity;
          for (const subset of subsets(unit.length, k)) optimum = Math.min(optimum, radius(subset));
          const greedy = radius(result.selected.map((name) => Number(name.slice(1, -4))));
          // |x − c|² = 2 − 2·x·c in float32 resolves distances down to about 3e-4 (sqrt of the rounding of the dot).
          expect(Math.abs(result.coveringRadius! - greedy)).toBeLessThan(1e-3);
          expect(greedy).toBeLessThanOrEqual(2 * optimum + 1e-3);
        },
      ),
      { numRuns: 100 },
    );
  });
});

function* subsets(n: number, k: number, start = 0, prefix: number[] = []): Generator<number[]> {
  if (prefix.length === k) {
    yield prefix;
    return;
  }
  for (let i = start; i < n; i++) yield* subsets(n, k, i + 1, [...prefix, i]);
}
