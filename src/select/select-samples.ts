import type { EmbeddingMatrix } from '../embeddings/matrix';
import { InvalidConfigError, InvalidInputError } from '../errors';
import type { ProgressCallback } from '../progress';
import { HAND_OVER_PICKS_PER_REFERENCE, runHerding, type HerdingResult } from './coverage';
import { runGreedy, type GreedyBalance, type ScanSpace } from './k-center';
import { HERDING_POOL, buildNeighbourhoods, densityKernelValues, type Neighbourhoods } from './neighbourhoods';
import { createDotKernel, type DotKernel, type KernelChoice } from './kernels/dot-kernel';
import { objectEmbeddingsFor, rankByObjectDiversity, type ObjectEmbeddingsByTask } from './object-diversity';
import {
  MIN_FACTOR,
  passesThreshold,
  planBalance,
  randomFactors,
  readInputValues,
  termLabel,
  weightFactors,
  type BalancePlan,
  type MetadataByFileName,
  type StaticTerm,
} from './objectives';
import { SeededRandom, randomPermutation, signProjection } from './random';
import type { SelectionConfig, SelectionStrategyEntry } from './selection-config';

export interface SelectSamplesInput {
  embeddings: EmbeddingMatrix;
  /** Custom metadata per file name (METADATA inputs). */
  metadata?: MetadataByFileName;
  /** Scores per file name, e.g. `{ "object-detection": { "uncertainty_entropy": 0.7 } }` (SCORES inputs; falls back to metadata). */
  scores?: MetadataByFileName;
  /** Predicted classes and object counts per file name (PREDICTIONS inputs; see `predictionValues` in src/predictions). */
  predictions?: MetadataByFileName;
  /** Object-crop embeddings per detection task, for DIVERSITY on `{ type: 'EMBEDDINGS', task }` (src/select/object-diversity). */
  objectEmbeddings?: ObjectEmbeddingsByTask;
  config: SelectionConfig;
  /** File names already selected (a preselected tag, the datapool of earlier runs): centres from the start, never re-picked. */
  preselected?: string[];
  /** Where the embeddings came from, for error locations (`embeddings.csv:7`). */
  source?: string;
  /** `auto` (default) uses onnxruntime for large matrices and plain JS for small ones. */
  kernel?: KernelChoice;
  /**
   * Skip work that provably cannot change a pick (default true; off only to measure the plain full-scan loop): lazy
   * upper-bound picking for pure diversity, and cell pruning on a projected copy.
   */
  pruning?: boolean;
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
}

export interface RankedSample {
  fileName: string;
  /** Row in the embedding matrix. */
  index: number;
  /** Importance: the product of the strategy objectives (each to its strength) when this sample was ranked. */
  score: number;
  reason: {
    /** Each strategy's factor, e.g. `{ DIVERSITY: 0.83, 'WEIGHTS:lightly.sharpness': 0.9 }` (DIVERSITY = the distance). */
    strategies: Record<string, number>;
    /** Distance (on unit-norm embeddings, 0–2) to the nearest earlier pick or preselected sample. */
    distance?: number;
    /** That nearest earlier sample. */
    nearest?: string;
    /** With TYPICALITY or COVERAGE: 1 / mean distance to the nearest neighbours (higher = denser neighbourhood). */
    typicality?: number;
    /** A COVERAGE pick: how many samples it newly covered (kernel-weighted; a sample counts fully within ~σ). */
    covered?: number;
  };
}

export interface SelectionResult {
  /** Every candidate, most important first: any prefix is the selection of that size. */
  ranking: RankedSample[];
  /** File names of the new selection (a prefix of the ranking), in pick order. */
  selected: string[];
  stoppedBy: 'n' | 'minDistance' | 'exhausted';
  /** With DIVERSITY: the largest distance from a candidate to its nearest selected or preselected sample. */
  coveringRadius?: number;
  stats: {
    samples: number;
    candidates: number;
    excludedByThresholds: number;
    preselected: number;
    /** Leading ranking entries ordered by exact greedy picks; the rest is ordered by its score after them. */
    greedyRanked: number;
    kernel?: DotKernel['name'];
    projectionDim?: number;
    rowsScanned?: number;
    fullScans?: number;
    /** Time of the greedy pick loop alone (the rest is validation, projection, scoring and building the ranking). */
    greedySeconds?: number;
    /** Median and fastest single greedy pick, ms. */
    pickMs?: { median: number; min: number };
    /** Time inside full-pass kernel calls during the pick loop, s. */
    kernelSeconds?: number;
    /** With TYPICALITY or COVERAGE: how the neighbour densities were measured. */
    neighbourhoods?: { references: number; neighbours: number; kernelWidth: number; projected: boolean; seconds: number };
    /** With object-level DIVERSITY: the task, its object rows, and those whose image is not among the samples (left out). */
    objects?: { task: string; objects: number; withoutImage: number };
    /** With COVERAGE: picks made by kernel herding (before the hand-over to DIVERSITY), their mean coverage, gain evaluations. */
    coverage?: { picks: number; meanCoverage: number; stoppedBy: HerdingResult['stoppedBy']; evaluations: number; seconds: number };
    seconds: number;
  };
}

/**
 * A part built above exactly when a strategy needs it (`kernelNeeded`, `densityNeeded`): missing here is a bug in
 * those conditions, named, rather than a TypeError deep inside a kernel.
 */
function prepared<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`internal error: ${what} was not prepared for this selection`);
  return value;
}

/**
 * Selects samples the way Lightly's worker does: THRESHOLD strategies first, then one greedy pass over the product
 * of the other strategies' objectives (DIVERSITY = k-center distance, WEIGHTS, SIMILARITY, BALANCE, RANDOM), each
 * raised to its strength. Deterministic for the same inputs, config and seed.
 *
 * Example: `await selectSamples({ embeddings, config: parseSelectionConfig({ n: 2, strategy: 'coreset' }) })` →
 * `{ selected: ['b.jpg', 'a.jpg'], stoppedBy: 'n', coveringRadius: 0.31,
 *    ranking: [{ fileName: 'b.jpg', index: 1, score: 2, reason: { strategies: { DIVERSITY: 2 } } },
 *              { fileName: 'a.jpg', index: 0, score: 1.41, reason: { strategies: { DIVERSITY: 1.41 }, distance: 1.41, nearest: 'b.jpg' } },
 *              { fileName: 'c.jpg', index: 2, score: 0.31, reason: { strategies: { DIVERSITY: 0.31 }, distance: 0.31, nearest: 'a.jpg' } }],
 *    stats: { samples: 3, candidates: 3, … } }`
 */
export async function selectSamples(input: SelectSamplesInput): Promise<SelectionResult> {
  const started = performance.now();
  const { embeddings, config } = input;
  const { fileNames } = embeddings;
  const rowOf = checkMatrix(embeddings, input.source);
  const N = fileNames.length;
  const seed = config.seed ?? 0;
  const sources = { fileNames, metadata: input.metadata, scores: input.scores, predictions: input.predictions };

  const entries = config.strategies.map((entry, i) => ({ entry, where: `strategies[${i}]`, label: termLabel(entry) }));
  const diversity = entries.filter((e) => e.entry.strategy.type === 'DIVERSITY');
  const balances = entries.filter((e) => e.entry.strategy.type === 'BALANCE');
  const typicality = entries.find((e) => e.entry.strategy.type === 'TYPICALITY');
  const coverage = entries.find((e) => e.entry.strategy.type === 'COVERAGE');
  if (diversity.length > 1) throw new InvalidConfigError(`${diversity[1].where}: only one DIVERSITY strategy is supported`);
  if (balances.length > 1) throw new InvalidConfigError(`${balances[1].where}: only one BALANCE strategy is supported`);
  if (coverage !== undefined && balances.length > 0) throw new InvalidConfigError(`${coverage.where}: COVERAGE cannot be combined with BALANCE`);
  const objectDiversity = diversity.length === 1 ? objectEmbeddingsFor(diversity[0], entries, input.objectEmbeddings) : undefined;

  const preselectedRows = lookUp(input.preselected ?? [], rowOf, 'preselected');
  const isPreselected = new Uint8Array(N);
  for (const r of preselectedRows) isPreselected[r] = 1;

  // Thresholds come first: they decide who is a candidate at all.
  let candidates: Int32Array = Int32Array.from({ length: N }, (_, i) => i).filter((i) => !isPreselected[i]);
  const afterPreselection = candidates.length;
  for (const { entry, where } of entries) {
    if (entry.strategy.type !== 'THRESHOLD') continue;
    const pass = passesThreshold(readInputValues(entry.input, sources, where, candidates), entry.strategy);
    candidates = candidates.filter((_, k) => pass[k] === 1);
  }
  const M = candidates.length;
  if (M === 0) throw new InvalidConfigError('no candidates left to select from after preselection and thresholds');
  const n = targetCount(config, M);

  const densityNeeded = typicality !== undefined || coverage !== undefined;
  const kernelNeeded =
    (diversity.length > 0 && objectDiversity === undefined) || densityNeeded || entries.some((e) => e.entry.strategy.type === 'SIMILARITY');
  const kernelValues = densityNeeded ? densityKernelValues(N, embeddings.dim) : N * embeddings.dim;
  const kernel = kernelNeeded ? await createDotKernel(input.kernel ?? 'auto', kernelValues) : undefined;
  try {
    const space = kernel === undefined ? undefined : await prepareSpace(kernel, embeddings, candidates, config, input.source);
    const terms: StaticTerm[] = [];
    let balance: BalancePlan | null = null;
    const densityStarted = performance.now();
    let hoods: Neighbourhoods | undefined = densityNeeded
      ? await buildNeighbourhoods({
          kernel: prepared(kernel, 'the dot kernel'),
          space: prepared(space, 'the candidate space').scanSpace,
          candidates: M,
          seed,
          neighbours: typicality?.entry.strategy.neighbours ?? coverage?.entry.strategy.neighbours,
          kernelWidth: coverage?.entry.strategy.kernelWidth,
          // Herding hands over to DIVERSITY after R/4 picks: a bounded pool serves those; alone it ranks every candidate.
          herdingCandidates: coverage === undefined ? 0 : diversity.length === 1 ? HERDING_POOL : M,
          signal: input.signal,
        })
      : undefined;
    const densitySeconds = (performance.now() - densityStarted) / 1000;
    for (const { entry, where, label } of entries) {
      const strength = entry.strategy.strength ?? 1;
      switch (entry.strategy.type) {
        case 'WEIGHTS':
          terms.push({
            label,
            strength,
            factors:
              entry.input.type === 'RANDOM'
                ? randomFactors(entry.input.randomSeed ?? seed, N, candidates)
                : weightFactors(readInputValues(entry.input, sources, where, candidates), where, fileNames, candidates),
          });
          break;
        case 'RANDOM':
          terms.push({ label, strength, factors: randomFactors(entry.input.randomSeed ?? seed, N, candidates) });
          break;
        case 'SIMILARITY':
          terms.push({ label, strength, factors: await similarityFactors(prepared(kernel, 'the dot kernel'), prepared(space, 'the candidate space'), entry, rowOf, M) });
          break;
        case 'BALANCE':
          balance = planBalance(readInputValues(entry.input, sources, where, candidates), entry.strategy, label);
          break;
        case 'TYPICALITY':
          terms.push({ label, strength, factors: typicalityFactors(prepared(hoods, 'the neighbourhoods').typicality) });
          break;
        default:
          break; // THRESHOLD was applied above; DIVERSITY is the greedy loop itself.
      }
    }
    const logStatic = combineLogs(terms, M);
    const tieRank = new Int32Array(M);
    randomPermutation(M, new SeededRandom(seed ^ 0x5bd1e995)).forEach((c, rank) => (tieRank[c] = rank));
    const stats: SelectionResult['stats'] = {
      samples: N,
      candidates: M,
      excludedByThresholds: afterPreselection - M,
      preselected: preselectedRows.length,
      greedyRanked: 0,
      seconds: 0,
    };
    if (hoods !== undefined) {
      const { referenceCount: references, neighbours, kernelWidth, projected } = hoods;
      stats.neighbourhoods = { references, neighbours, kernelWidth, projected, seconds: densitySeconds };
    }
    const typicalities = hoods?.typicality;
    const withTypicality = (c: number, reason: RankedSample['reason']) => {
      if (typicalities !== undefined) reason.typicality = typicalities[c];
      return reason;
    };
    let result: Omit<SelectionResult, 'stats'> | undefined;
    // COVERAGE: kernel herding ranks first — the whole ranking alone, or until the set is covered enough to hand over
    // to DIVERSITY, whose greedy loop then starts from the herding picks as centres.
    let herding: HerdingResult | undefined;
    const herdingRanking: RankedSample[] = [];
    if (coverage !== undefined) {
      const dense = prepared(hoods, 'the neighbourhoods');
      const depth = Math.min(M, Math.max(Number.isFinite(n) ? n : M, config.rankDepth ?? defaultRankDepth(M, dense.dim)));
      herding = await runHerding({
        kernel: prepared(kernel, 'the dot kernel'),
        hoods: dense,
        candidates: M,
        strength: coverage.entry.strategy.strength ?? 1,
        logStatic,
        tieRank,
        initial:
          preselectedRows.length > 0
            ? { vectors: await dense.toDensitySpace(prepared(space, 'the candidate space').vectorsOf(preselectedRows), preselectedRows.length), count: preselectedRows.length }
            : undefined,
        limit: depth,
        handOverAt: diversity.length === 1 ? coverage.entry.strategy.handOverCoverage : undefined,
        handOverPicks: diversity.length === 1 ? Math.max(1, Math.floor(dense.referenceCount * HAND_OVER_PICKS_PER_REFERENCE)) : undefined,
        signal: input.signal,
        onProgress: input.onProgress,
      });
      const coverageReason = (c: number, covered: number): RankedSample['reason'] => {
        const strategies: Record<string, number> = { [coverage.label]: covered };
        for (const t of terms) strategies[t.label] = t.factors[c];
        return withTypicality(c, { strategies, covered });
      };
      for (const p of herding.picks) {
        herdingRanking.push({ fileName: fileNames[candidates[p.candidate]], index: candidates[p.candidate], score: Math.exp(p.logScore), reason: coverageReason(p.candidate, p.covered) });
      }
      stats.coverage = {
        picks: herding.picks.length,
        meanCoverage: herding.meanCoverage,
        stoppedBy: herding.stoppedBy,
        evaluations: herding.evaluations,
        seconds: herding.seconds,
      };
      if (diversity.length === 0) {
        const ranking = [...herdingRanking];
        const { tail } = herding;
        for (let k = 0; k < tail.candidate.length; k++) {
          const c = tail.candidate[k];
          const covered = tail.gain[k] * dense.samplesPerReference;
          ranking.push({ fileName: fileNames[candidates[c]], index: candidates[c], score: Math.exp(tail.logScore[k]), reason: coverageReason(c, covered) });
        }
        stats.greedyRanked = herding.picks.length;
        const selectedCount = Math.min(Number.isFinite(n) ? n : M, ranking.length);
        result = { ranking, selected: ranking.slice(0, selectedCount).map((r) => r.fileName), stoppedBy: 'n' };
      }
    }
    // The references, kernel cache and projected copy are not needed past herding: let them go before k-center runs.
    hoods = undefined;
    const herded = herding?.picks.length ?? 0;
    if (result !== undefined) {
      // COVERAGE alone ranked everything above.
    } else if (objectDiversity !== undefined) {
      const label = diversity[0].label;
      const objects = rankByObjectDiversity({
        ...objectDiversity,
        rowOf,
        candidates,
        preselectedRows,
        logStatic,
        strength: diversity[0].entry.strategy.strength ?? 1,
        tieRank,
        limit: Number.isFinite(n) ? Math.min(M, Math.max(n, config.rankDepth ?? 0)) : M,
        selectCount: n,
        minDistance: diversity[0].entry.strategy.stoppingConditionMinimumDistance ?? config.minDistance,
        signal: input.signal,
      });
      const ranking = objects.ranking.map((p): RankedSample => {
        const strategies: Record<string, number> = { [label]: p.distance };
        for (const t of terms) strategies[t.label] = t.factors[p.candidate];
        const reason: RankedSample['reason'] = { strategies };
        if (p.nearestRow >= 0) [reason.distance, reason.nearest] = [p.distance, fileNames[p.nearestRow]];
        return { fileName: fileNames[candidates[p.candidate]], index: candidates[p.candidate], score: Math.exp(p.logScore), reason };
      });
      stats.greedyRanked = objects.greedyRanked;
      stats.objects = { task: diversity[0].entry.input.task!, objects: objects.objects, withoutImage: objects.objectsWithoutImage };
      result = { ranking, selected: ranking.slice(0, objects.selectedCount).map((r) => r.fileName), stoppedBy: objects.stoppedBy, coveringRadius: objects.coveringRadius };
    } else if (diversity.length === 1) {
      const strength = diversity[0].entry.strategy.strength ?? 1;
      const minDistance = diversity[0].entry.strategy.stoppingConditionMinimumDistance ?? config.minDistance;
      const scan = prepared(space, 'the candidate space');
      const limit = Math.min(M, Math.max(Number.isFinite(n) ? n : M, config.rankDepth ?? defaultRankDepth(M, scan.scanSpace.dim))) - herded;
      // Herding picks are centres from the start and no longer candidates.
      const centreRows = [...preselectedRows, ...(herding?.picks.map((p) => candidates[p.candidate]) ?? [])];
      for (const p of herding?.picks ?? []) scan.scanSpace.candidateOf[scan.scanSpace.owned ? p.candidate : candidates[p.candidate]] = -1;
      const greedy = await runGreedy({
        kernel: prepared(kernel, 'the dot kernel'),
        space: scan.scanSpace,
        candidates: M,
        initialCentres: centreRows.length > 0 ? { vectors: scan.vectorsOf(centreRows), count: centreRows.length } : undefined,
        logStatic,
        balance: balance === null ? null : toGreedyBalance(balance),
        diversityStrength: strength,
        tieRank,
        limit: Math.max(0, limit),
        selectCount: Math.max(0, n - herded),
        minDistance,
        rebuildFrom: input.pruning === false ? Infinity : undefined,
        lazyFrom: input.pruning === false ? Infinity : undefined,
        signal: input.signal,
        onProgress: input.onProgress,
      });
      const centreRow = (ci: number) => (ci < centreRows.length ? centreRows[ci] : candidates[greedy.picks[ci - centreRows.length].candidate]);
      const makeReason = (c: number, distance: number, nearest: number, balanceFactor: number | undefined) => {
        const strategies: Record<string, number> = { [diversity[0].label]: distance };
        for (const t of terms) strategies[t.label] = t.factors[c];
        if (balance !== null && balanceFactor !== undefined) strategies[balance.label] = balanceFactor;
        const reason: RankedSample['reason'] = { strategies };
        if (nearest >= 0) {
          reason.distance = distance;
          reason.nearest = fileNames[centreRow(nearest)];
        }
        return withTypicality(c, reason);
      };
      const ranking: RankedSample[] = herdingRanking.concat(greedy.picks.map((p) => ({
        fileName: fileNames[candidates[p.candidate]],
        index: candidates[p.candidate],
        score: Math.exp(p.logScore),
        reason: makeReason(p.candidate, p.distance, p.nearestCentre, p.balanceFactor),
      })));
      const { tail } = greedy;
      for (let k = 0; k < tail.candidate.length; k++) {
        const c = tail.candidate[k];
        const bf = balance === null ? undefined : greedy.balanceFactors[balance.category[c]];
        ranking.push({
          fileName: fileNames[candidates[c]],
          index: candidates[c],
          score: Math.exp(tail.logScore[k]),
          reason: makeReason(c, tail.distance[k], tail.nearestCentre[k], bf),
        });
      }
      stats.greedyRanked = herded + greedy.picks.length;
      stats.rowsScanned = greedy.rowsScanned;
      stats.fullScans = greedy.fullScans;
      stats.greedySeconds = greedy.seconds;
      stats.pickMs = greedy.pickMs;
      stats.kernelSeconds = greedy.kernelMs / 1000;
      result = {
        ranking,
        // Herding may rank past a small n before it hands over: the selection is then its first n picks.
        selected: ranking.slice(0, herded >= n ? n : herded + greedy.selectedCount).map((r) => r.fileName),
        stoppedBy: greedy.stoppedBy,
        coveringRadius: greedy.coveringRadius,
      };
    } else {
      const ranking = rankStatic(logStatic, balance, tieRank, M).map((r): RankedSample => {
        const strategies: Record<string, number> = {};
        for (const t of terms) strategies[t.label] = t.factors[r.candidate];
        if (balance !== null) strategies[balance.label] = r.balanceFactor;
        const reason = withTypicality(r.candidate, { strategies });
        return { fileName: fileNames[candidates[r.candidate]], index: candidates[r.candidate], score: Math.exp(r.logScore), reason };
      });
      stats.greedyRanked = M;
      result = { ranking, selected: ranking.slice(0, n).map((r) => r.fileName), stoppedBy: 'n' };
    }
    if (kernel !== undefined) stats.kernel = kernel.name;
    if (config.projectionDim !== undefined && space !== undefined) stats.projectionDim = config.projectionDim;
    stats.seconds = (performance.now() - started) / 1000;
    return { ...result, stats };
  } finally {
    await kernel?.dispose();
  }
}

/**
 * Rank every candidate by exact greedy picks when that costs at most this many value reads (M picks × M rows ×
 * dim: about a second), so on small sets the whole slider is exact; larger sets rank the selection exactly and order
 * the rest by their score after it.
 */
const EXACT_RANKING_BUDGET = 2 ** 30;

function defaultRankDepth(candidates: number, dim: number): number {
  return candidates * candidates * dim <= EXACT_RANKING_BUDGET ? candidates : 0;
}

function checkMatrix(m: EmbeddingMatrix, source: string | undefined): Map<string, number> {
  const where = source ?? 'embeddings';
  if (!Number.isInteger(m.dim) || m.dim < 1) throw new InvalidInputError({ file: where }, `embedding dimension must be a positive integer, got ${m.dim}`);
  if (m.data.length !== m.fileNames.length * m.dim) {
    throw new InvalidInputError(
      { file: where },
      `dimension mismatch: ${m.fileNames.length} rows × ${m.dim} dims needs ${m.fileNames.length * m.dim} values, the matrix has ${m.data.length}`,
    );
  }
  if (m.fileNames.length === 0) throw new InvalidInputError({ file: where }, 'no samples to select from');
  const rowOf = new Map<string, number>();
  m.fileNames.forEach((name, i) => {
    if (rowOf.has(name)) throw new InvalidInputError({ file: where, line: i + 2 }, `duplicate file name ${JSON.stringify(name)} (first on line ${rowOf.get(name)! + 2})`);
    rowOf.set(name, i);
  });
  return rowOf;
}

function lookUp(names: string[], rowOf: Map<string, number>, what: string): number[] {
  const rows = new Set<number>();
  const missing: string[] = [];
  for (const name of names) {
    const r = rowOf.get(name);
    if (r === undefined) missing.push(name);
    else rows.add(r);
  }
  if (missing.length > 0) {
    const shown = missing.slice(0, 5).map((m) => JSON.stringify(m)).join(', ');
    throw new InvalidConfigError(`${what}: ${missing.length} file name(s) have no embedding: ${shown}${missing.length > 5 ? ', …' : ''}`);
  }
  return [...rows].sort((a, b) => a - b);
}

function targetCount(config: SelectionConfig, candidates: number): number {
  if (config.n !== undefined) {
    if (config.n > candidates) throw new InvalidConfigError(`n: asked for ${config.n} samples but only ${candidates} candidates are left after preselection and thresholds`);
    return config.n;
  }
  if (config.proportionSamples !== undefined) return Math.max(1, Math.round(config.proportionSamples * candidates));
  return Infinity; // minDistance alone decides
}

interface PreparedSpace {
  scanSpace: ScanSpace;
  /** Unit vectors (in the scan space) of the given matrix rows, row-major. */
  vectorsOf(rows: number[]): Float32Array;
}

/**
 * The rows the distance scans read. Without projection: the caller's matrix itself with 1/|x| per row (no copy,
 * so memory stays at the matrix plus a few arrays). With `projectionDim`: a seeded ±1 Johnson–Lindenstrauss
 * projection computed as one matrix product per chunk, rows renormalised, candidates compacted into the engine's own
 * copy (which it may then regroup into cells for pruning).
 */
async function prepareSpace(
  kernel: DotKernel,
  m: EmbeddingMatrix,
  candidates: Int32Array,
  config: SelectionConfig,
  source: string | undefined,
): Promise<PreparedSpace> {
  const N = m.fileNames.length;
  const badRow = (i: number, problem: string): never => {
    throw new InvalidInputError(source === undefined ? { file: 'embeddings' } : { file: source, line: i + 2 }, `sample ${JSON.stringify(m.fileNames[i])}: ${problem}`);
  };
  const p = config.projectionDim;
  if (p === undefined) {
    const squares = await kernel.sumSquares(m.data, m.dim, 0, N);
    const scale = new Float32Array(N);
    for (let i = 0; i < N; i++) {
      const s = squares[i];
      if (!Number.isFinite(s)) badRow(i, 'embedding has NaN or infinite values');
      if (s === 0) badRow(i, 'embedding is all zeros, so it has no direction to compare');
      scale[i] = 1 / Math.sqrt(s);
    }
    const candidateOf = new Int32Array(N).fill(-1);
    candidates.forEach((row, c) => (candidateOf[row] = c));
    return {
      scanSpace: { scan: m.data, dim: m.dim, rows: N, rowScale: scale, candidateOf, owned: false },
      vectorsOf: (rows) => {
        const out = new Float32Array(rows.length * m.dim);
        rows.forEach((r, k) => {
          for (let j = 0; j < m.dim; j++) out[k * m.dim + j] = m.data[r * m.dim + j] * scale[r];
        });
        return out;
      },
    };
  }
  if (p >= m.dim) throw new InvalidConfigError(`projectionDim: ${p} must be smaller than the embedding dimension ${m.dim}`);
  const projection = signProjection(m.dim, p, (config.seed ?? 0) ^ 0x2545f491);
  const projected = await kernel.project(m.data, m.dim, 0, N, projection, p);
  for (let i = 0; i < N; i++) {
    let s = 0;
    for (let j = 0; j < p; j++) s += projected[i * p + j] * projected[i * p + j];
    if (!Number.isFinite(s)) badRow(i, 'embedding has NaN or infinite values');
    if (s === 0) badRow(i, 'embedding is all zeros, so it has no direction to compare');
    const inv = 1 / Math.sqrt(s);
    for (let j = 0; j < p; j++) projected[i * p + j] *= inv;
  }
  const M = candidates.length;
  let scan = projected;
  if (M !== N) {
    scan = new Float32Array(M * p);
    candidates.forEach((row, c) => scan.set(projected.subarray(row * p, (row + 1) * p), c * p));
  }
  return {
    scanSpace: { scan, dim: p, rows: M, rowScale: null, candidateOf: Int32Array.from({ length: M }, (_, c) => c), owned: true },
    vectorsOf: (rows) => {
      const out = new Float32Array(rows.length * p);
      rows.forEach((r, k) => out.set(projected.subarray(r * p, (r + 1) * p), k * p));
      return out;
    },
  };
}

/** SIMILARITY: 1 − d/2 for the distance d to the nearest query sample, so identical = 1 and opposite = 0. */
async function similarityFactors(
  kernel: DotKernel,
  space: PreparedSpace,
  entry: SelectionStrategyEntry,
  rowOf: Map<string, number>,
  M: number,
): Promise<Float32Array> {
  const queryRows = lookUp(entry.input.queryFileNames ?? [], rowOf, 'queryFileNames');
  const { scan, dim, rows, rowScale, candidateOf } = space.scanSpace;
  const { max } = await kernel.maxDot(scan, dim, 0, rows, space.vectorsOf(queryRows), queryRows.length);
  const factors = new Float32Array(M);
  for (let i = 0; i < rows; i++) {
    const c = candidateOf[i];
    if (c < 0) continue;
    const d = Math.sqrt(Math.max(0, 2 - 2 * max[i] * (rowScale === null ? 1 : rowScale[i])));
    factors[c] = Math.max(MIN_FACTOR, 1 - d / 2);
  }
  return factors;
}

/** TYPICALITY's factor: typicality over the largest, in [MIN_FACTOR, 1], so the strength acts on a common scale. */
function typicalityFactors(typicality: Float32Array): Float32Array {
  let max = 0;
  for (const t of typicality) if (t > max) max = t;
  return Float32Array.from(typicality, (t) => Math.max(MIN_FACTOR, max > 0 ? t / max : 1));
}

function combineLogs(terms: StaticTerm[], M: number): Float64Array | null {
  if (terms.length === 0) return null;
  const out = new Float64Array(M);
  for (const t of terms) {
    if (t.strength === 0) continue;
    for (let c = 0; c < M; c++) out[c] += t.strength * Math.log(t.factors[c]);
  }
  return out;
}

function toGreedyBalance(plan: BalancePlan): GreedyBalance {
  return { category: plan.category, targets: plan.targets, strength: plan.strength };
}

/**
 * Without DIVERSITY every objective but BALANCE is fixed per sample, so the whole ranking is a sort, merged across
 * categories by the same balance factor the greedy loop uses: O(M log M) instead of a pass per pick.
 */
function rankStatic(
  logStatic: Float64Array | null,
  balance: BalancePlan | null,
  tieRank: Int32Array,
  M: number,
): Array<{ candidate: number; logScore: number; balanceFactor: number }> {
  const score = logStatic ?? new Float64Array(M);
  const byScore = (a: number, b: number) => score[b] - score[a] || tieRank[a] - tieRank[b];
  if (balance === null) {
    const order = Array.from({ length: M }, (_, c) => c).sort(byScore);
    return order.map((c) => ({ candidate: c, logScore: score[c], balanceFactor: 1 }));
  }
  const C = balance.names.length;
  const queues: number[][] = Array.from({ length: C }, () => []);
  for (let c = 0; c < M; c++) queues[balance.category[c]].push(c);
  for (const q of queues) q.sort(byScore);
  const heads = new Int32Array(C);
  const counts = new Float64Array(C);
  const out: Array<{ candidate: number; logScore: number; balanceFactor: number }> = [];
  for (let t = 0; t < M; t++) {
    let bestCat = -1;
    let best = -Infinity;
    let bestFactor = 1;
    for (let k = 0; k < C; k++) {
      if (heads[k] >= queues[k].length) continue;
      const factor = (balance.targets[k] * (t + 1)) / (counts[k] + 1);
      const s = score[queues[k][heads[k]]] + balance.strength * Math.log(Math.max(factor, 1e-12));
      const head = queues[k][heads[k]];
      if (bestCat < 0 || s > best || (s === best && tieRank[head] < tieRank[queues[bestCat][heads[bestCat]]])) {
        bestCat = k;
        best = s;
        bestFactor = factor;
      }
    }
    const c = queues[bestCat][heads[bestCat]++];
    counts[bestCat]++;
    out.push({ candidate: c, logScore: best, balanceFactor: bestFactor });
  }
  return out;
}
