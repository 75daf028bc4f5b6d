import { describe, expect, it } from 'vitest';
import type { EmbeddingMatrix } from '../../src/embeddings/matrix';
import { DEFAULT_STRATEGY, parseSelectionConfig, selectSamples } from '../../src/select';
import { SeededRandom } from '../../src/select/random';

/**
 * Synthetic clustered data with outliers: `clusters` Gaussian blobs of different sizes around random unit centres in
 * `dim` dimensions, plus isolated outliers far from every blob. File names say what each row is: `c<k>-<i>.jpg` or
 * `outlier-<i>.jpg`.
 */
function clustered(options: { clusters: number; sizes: number[]; outliers: number; dim?: number; spread?: number; seed?: number }): EmbeddingMatrix {
  const dim = options.dim ?? 16;
  const random = new SeededRandom(options.seed ?? 1);
  const gauss = () => {
    let s = 0;
    for (let i = 0; i < 6; i++) s += random.nextOpenUnit();
    return (s - 3) / Math.sqrt(0.5);
  };
  const unit = (v: number[]) => {
    const n = Math.hypot(...v);
    return v.map((x) => x / n);
  };
  const rows: number[][] = [];
  const names: string[] = [];
  const labels: number[] = [];
  for (let k = 0; k < options.clusters; k++) {
    // Orthogonal-ish centres: each cluster owns one axis, so clusters are far apart on the sphere.
    const centre = Array.from({ length: dim }, (_, j) => (j === k ? 1 : 0));
    for (let i = 0; i < options.sizes[k]; i++) {
      rows.push(unit(centre.map((c) => c + (options.spread ?? 0.08) * gauss())));
      names.push(`c${k}-${i}.jpg`);
      labels.push(k);
    }
  }
  for (let i = 0; i < options.outliers; i++) {
    rows.push(unit(Array.from({ length: dim }, () => gauss())));
    names.push(`outlier-${i}.jpg`);
    labels.push(-1);
  }
  return { fileNames: names, labels: Int32Array.from(labels), dim, data: Float32Array.from(rows.flat()) };
}

const clusterOf = (name: string) => (name.startsWith('outlier') ? 'outlier' : name.split('-')[0]);
const typicality = (strength?: number) => ({ input: { type: 'EMBEDDINGS' }, strategy: { type: 'TYPICALITY', ...(strength === undefined ? {} : { strength }) } });

describe('TYPICALITY', () => {
  const data = clustered({ clusters: 4, sizes: [60, 40, 30, 20], outliers: 12 });

  it('ranks samples of dense regions first and outliers last', async () => {
    const result = await selectSamples({ embeddings: data, config: parseSelectionConfig({ n: 10, strategy: 'typicality' }) });
    expect(result.selected.every((f) => !f.startsWith('outlier'))).toBe(true);
    const last = result.ranking.slice(-12).map((r) => clusterOf(r.fileName));
    expect(last.filter((c) => c === 'outlier').length).toBeGreaterThanOrEqual(10);
    // Each pick says how dense its neighbourhood is; the ranking follows it.
    const densities = result.ranking.map((r) => r.reason.typicality!);
    expect(densities[0]).toBeGreaterThan(densities[densities.length - 1]);
    expect(result.ranking[0].reason.strategies.TYPICALITY).toBeCloseTo(1, 5);
    expect(result.stats.neighbourhoods).toMatchObject({ references: 162, neighbours: 20, projected: false });
  });

  it('combines with DIVERSITY by the product rule: one pick from every cluster, no outlier, when k = #clusters', async () => {
    const config = parseSelectionConfig({ n: 4, strategies: [{ input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY' } }, typicality(2)] });
    const result = await selectSamples({ embeddings: data, config });
    expect(new Set(result.selected.map(clusterOf))).toEqual(new Set(['c0', 'c1', 'c2', 'c3']));
    expect(result.ranking[1].reason.strategies).toHaveProperty('DIVERSITY');
    expect(result.ranking[1].reason.strategies).toHaveProperty('TYPICALITY');
    // Plain coreset on the same data starts with outliers: that is what the combination fixes.
    const coreset = await selectSamples({ embeddings: data, config: parseSelectionConfig({ n: 4, strategy: 'coreset' }) });
    expect(coreset.selected.some((f) => f.startsWith('outlier'))).toBe(true);
  });

  it('a negative strength prefers atypical samples', async () => {
    const config = parseSelectionConfig({ n: 5, strategies: [typicality(-1)] });
    const result = await selectSamples({ embeddings: data, config });
    expect(result.selected.every((f) => f.startsWith('outlier'))).toBe(true);
  });
});

describe('COVERAGE (kernel herding)', () => {
  const data = clustered({ clusters: 5, sizes: [80, 50, 30, 20, 12], outliers: 15 });

  it('covers every cluster when k = #clusters, from its dense core, and says how many each pick covered', async () => {
    const result = await selectSamples({ embeddings: data, config: parseSelectionConfig({ n: 5, strategy: 'coverage' }) });
    expect(new Set(result.selected.map(clusterOf))).toEqual(new Set(['c0', 'c1', 'c2', 'c3', 'c4']));
    // Largest cluster first: it covers the most.
    expect(clusterOf(result.selected[0])).toBe('c0');
    const covered = result.ranking.slice(0, 5).map((r) => r.reason.covered!);
    expect(covered[0]).toBeGreaterThan(40);
    for (let i = 1; i < 5; i++) expect(covered[i]).toBeLessThanOrEqual(covered[i - 1] + 1e-9);
    expect(result.ranking[0].reason.strategies.COVERAGE).toBeCloseTo(covered[0], 6);
    // Picks sit in their cluster's dense core: more typical than the cluster's median member.
    for (const pick of result.ranking.slice(0, 5)) {
      const members = result.ranking.filter((r) => clusterOf(r.fileName) === clusterOf(pick.fileName)).map((r) => r.reason.typicality!);
      members.sort((a, b) => a - b);
      expect(pick.reason.typicality!).toBeGreaterThanOrEqual(members[members.length >> 1]);
    }
    // A small set is ranked whole by herding, so the slider is exact at every size.
    expect(result.stats.coverage!.picks).toBe(data.fileNames.length);
  });

  it('is one ranking: every prefix is the selection of that size', async () => {
    const big = await selectSamples({ embeddings: data, config: parseSelectionConfig({ n: 30, strategy: 'coverage' }) });
    for (const n of [1, 3, 7, 15]) {
      const small = await selectSamples({ embeddings: data, config: parseSelectionConfig({ n, strategy: 'coverage' }) });
      expect(small.selected).toEqual(big.selected.slice(0, n));
    }
    expect(big.ranking).toHaveLength(data.fileNames.length);
    expect(new Set(big.ranking.map((r) => r.fileName)).size).toBe(data.fileNames.length);
  });

  it('with preselected samples (a datapool) adds typical samples of the clusters not yet covered', async () => {
    const preselected = ['c0-0.jpg', 'c1-0.jpg', 'c2-0.jpg'];
    const result = await selectSamples({ embeddings: data, preselected, config: parseSelectionConfig({ n: 2, strategy: 'coverage' }) });
    expect(new Set(result.selected.map(clusterOf))).toEqual(new Set(['c3', 'c4']));
    expect(result.selected.some((f) => preselected.includes(f))).toBe(false);
  });

  it('takes a kernel width, and measures one from the data otherwise', async () => {
    const measured = await selectSamples({ embeddings: data, config: parseSelectionConfig({ n: 3, strategy: 'coverage' }) });
    expect(measured.stats.neighbourhoods!.kernelWidth).toBeGreaterThan(0.05);
    expect(measured.stats.neighbourhoods!.kernelWidth).toBeLessThan(0.6);
    const config = parseSelectionConfig({ n: 3, strategies: [{ input: { type: 'EMBEDDINGS' }, strategy: { type: 'COVERAGE', kernelWidth: 0.3 } }] });
    const fixed = await selectSamples({ embeddings: data, config });
    expect(fixed.stats.neighbourhoods!.kernelWidth).toBe(0.3);
  });
});

describe(`the default strategy (${DEFAULT_STRATEGY})`, () => {
  const data = clustered({ clusters: 6, sizes: [70, 50, 40, 30, 20, 15], outliers: 20 });

  it('covers every cluster when k = #clusters and picks no outlier among the first picks', async () => {
    const result = await selectSamples({ embeddings: data, config: parseSelectionConfig({ n: 6, strategy: DEFAULT_STRATEGY }) });
    expect(new Set(result.selected.map(clusterOf))).toEqual(new Set(['c0', 'c1', 'c2', 'c3', 'c4', 'c5']));
  });

  it('hands over from coverage to diversity after a quarter of the references, and stays one ranking', async () => {
    const result = await selectSamples({ embeddings: data, config: parseSelectionConfig({ n: 100, strategy: DEFAULT_STRATEGY }) });
    const herded = result.stats.coverage!.picks;
    expect(result.stats.coverage!.stoppedBy).toBe('handOver');
    expect(herded).toBe(Math.floor(data.fileNames.length / 4));
    expect(result.ranking[0].reason.covered).toBeGreaterThan(0);
    const after = result.ranking[herded].reason;
    expect(after.distance).toBeGreaterThan(0);
    expect(after.strategies).toHaveProperty('DIVERSITY');
    // An earlier hand-over by mean coverage, as a config field.
    const early = parseSelectionConfig({
      n: 20,
      strategies: [{ input: { type: 'EMBEDDINGS' }, strategy: { type: 'COVERAGE', handOverCoverage: 0.3 } }, { input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY' } }],
    });
    const handedEarly = await selectSamples({ embeddings: data, config: early });
    expect(handedEarly.stats.coverage!.picks).toBeLessThan(herded);
    expect(handedEarly.stats.coverage!.meanCoverage).toBeGreaterThanOrEqual(0.3);
    for (const n of [3, herded, herded + 5, 90]) {
      const small = await selectSamples({ embeddings: data, config: parseSelectionConfig({ n, strategy: DEFAULT_STRATEGY }) });
      expect(small.selected).toEqual(result.selected.slice(0, n));
    }
  });

  it('a datapool: a rerun adds typical samples of what earlier picks left uncovered', async () => {
    const preselected = data.fileNames.filter((f) => /^c[0-3]-[0-4]\.jpg$/.test(f));
    const result = await selectSamples({ embeddings: data, preselected, config: parseSelectionConfig({ n: 2, strategy: DEFAULT_STRATEGY }) });
    expect(new Set(result.selected.map(clusterOf))).toEqual(new Set(['c4', 'c5']));
  });
});
