import { Matrix, QrDecomposition } from 'ml-matrix';
import type { ProgressCallback } from '../progress';
import { measureProgress } from '../progress';
import { createDotKernel, type DotKernel } from '../select/kernels/dot-kernel';
import { SeededRandom, randomPermutation } from '../select/random';
import { offerNeighbour, type NeighbourLists } from './neighbour-lists';

/**
 * Approximate k nearest neighbours of every row at scale, without a graph: an inverted-file ("cell") search in a PCA
 * space, re-ranked by exact cosine similarity in full dimensions.
 *
 * 1. A PCA basis of `components` axes from a seeded sample of the unit rows (randomised subspace iteration: products
 *    of the sample with a thin basis, never a D × D matrix).
 * 2. Every unit row, centred, projected onto it. An orthogonal projection never lengthens a difference, so two rows
 *    that are close in full dimensions are at least as close here (a near duplicate at cosine 0.95 is within
 *    √(2 − 2·0.95) = 0.32 in both spaces); what the projection loses is selectivity, which step 5 restores.
 * 3. k-means cells over the projected rows (seeded, Lloyd on a sample); each row joins its `spill` nearest cells.
 * 4. In each cell, all members against all members (one matrix product per chunk, MLAS through onnxruntime as in
 *    src/select), keeping per row the `candidates` closest in the PCA space.
 * 5. Those candidates re-ranked by exact cosine over the full rows; the best `k` are the row's list.
 *
 * Cost: n·spill·cellSize·components multiply-adds for step 4, n·candidates·D for step 5 — linear in n at a fixed
 * cell size. Memory beyond the matrix: n × components floats (the projection) plus n × candidates × 8 bytes.
 * Recall against exact search is measured by bench/health/scale-bench.mts (README, "Scale").
 */
export interface CellSearchSettings {
  /** Axes of the PCA space the candidates are found in. */
  components: number;
  /** Average members per cell (cells = n · spill / cellSize). */
  cellSize: number;
  /** Cells each row joins: its nearest `spill`, so two close rows on either side of a cell border still meet. */
  spill: number;
  /** Candidates per row kept from the PCA space beyond `k + 1`, re-ranked in full dimensions. */
  extraCandidates: number;
  /** Rows the PCA basis and the cells are fitted on. */
  sample: number;
  /** Lloyd iterations of the cells. */
  iterations: number;
  seed: number;
}

export const CELL_SEARCH_SETTINGS: CellSearchSettings = {
  components: 64,
  cellSize: 1024,
  spill: 2,
  extraCandidates: 6,
  sample: 16_384,
  iterations: 8,
  seed: 0x5eed,
};

/** Subspace iterations of the PCA basis: the filter needs a good subspace, not converged axes. */
const POWER_ITERATIONS = 4;
/** Floats of one chunk's product (rows × cell members): 16 MB. */
const CHUNK_VALUES = 1 << 22;

export interface CellSearchOptions {
  k: number;
  settings?: Partial<CellSearchSettings>;
  /** The BLAS (default: onnxruntime once there are several cells or a few million values, plain JS below). */
  kernel?: DotKernel;
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
}

/**
 * @example
 * const lists = await cellNeighbours(matrix.data, 1280, { k: 10 }); // 1,000,000 rows: minutes on 2 cores
 * lists.indices.subarray(0, 10) // row 0's ten nearest (by exact cosine among the candidates), best first
 */
export async function cellNeighbours(data: Float32Array, dim: number, options: CellSearchOptions): Promise<NeighbourLists> {
  const settings = { ...CELL_SEARCH_SETTINGS, ...options.settings };
  const n = dim === 0 ? 0 : data.length / dim;
  const { k } = options;
  const lists: NeighbourLists = { k, indices: new Int32Array(n * k).fill(-1), similarities: new Float32Array(n * k).fill(-Infinity), method: 'ann' };
  if (n < 2) return lists;
  // The cells' products dominate (n · spill · cellSize · components): onnxruntime as soon as there are several cells.
  const kernel = options.kernel ?? (await createDotKernel(n > 2 * settings.cellSize ? 'onnxruntime' : 'auto', n * dim));
  try {
    const p = Math.min(settings.components, dim);
    const inverseNorm = await inverseNorms(kernel, data, dim, n);
    const order = randomPermutation(n, new SeededRandom(settings.seed));
    const projected = await projectRows(kernel, data, dim, n, inverseNorm, order.subarray(0, Math.min(n, settings.sample)), p, settings.seed);
    options.signal?.throwIfAborted();
    const half = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < p; j++) s += projected[i * p + j] ** 2;
      half[i] = s / 2;
    }

    const cellCount = Math.max(1, Math.round((n * settings.spill) / settings.cellSize));
    const spill = Math.min(settings.spill, cellCount);
    const centroids = await fitCells(kernel, projected, p, order.subarray(0, Math.min(n, Math.max(settings.sample, cellCount * 32))), cellCount, settings.iterations, options.signal);
    const cells = await assignCells(kernel, projected, p, n, centroids, cellCount, spill);

    // Step 4: per row the best `width` candidates by PCA-space distance (score = a·b − |b|²/2, larger is closer).
    const width = Math.min(n - 1, k + 1 + settings.extraCandidates);
    const candidate = new Int32Array(n * width).fill(-1);
    const score = new Float32Array(n * width).fill(-Infinity);
    const cellsStarted = Date.now();
    for (let c = 0; c < cellCount; c++) {
      options.signal?.throwIfAborted();
      const members = cells.members.subarray(cells.offsets[c], cells.offsets[c + 1]);
      await joinCell(kernel, projected, p, half, members, candidate, score, width);
      options.onProgress?.(measureProgress(c + 1, cellCount, cellsStarted));
    }

    // Step 5: exact cosine over the full rows, best `k` kept.
    for (let i = 0; i < n; i++) {
      const base = i * dim;
      for (let t = 0; t < width; t++) {
        const j = candidate[i * width + t];
        if (j < 0) break;
        const other = j * dim;
        let s = 0;
        for (let d = 0; d < dim; d++) s += data[base + d] * data[other + d];
        offerNeighbour(lists, i, j, s * inverseNorm[i] * inverseNorm[j]);
      }
    }
    return lists;
  } finally {
    if (options.kernel === undefined) await kernel.dispose();
  }
}

export async function inverseNorms(kernel: DotKernel, data: Float32Array, dim: number, n: number): Promise<Float32Array> {
  const squares = await kernel.sumSquares(data, dim, 0, n);
  const inverse = new Float32Array(n);
  // A zero row has no direction: it stays at the origin of every space (similarity 0 with everything).
  for (let i = 0; i < n; i++) inverse[i] = squares[i] > 0 ? 1 / Math.sqrt(squares[i]) : 0;
  return inverse;
}

/**
 * Unit rows, centred on the sample's mean, projected onto the top `p` principal axes of the sample (n × p).
 * Randomised subspace iteration: Q ← orth(Sᵀ·(S·Q)) from a seeded ±1 start.
 */
async function projectRows(
  kernel: DotKernel,
  data: Float32Array,
  dim: number,
  n: number,
  inverseNorm: Float32Array,
  sampleRows: Int32Array,
  p: number,
  seed: number,
): Promise<Float32Array> {
  const s = sampleRows.length;
  const mean = new Float64Array(dim);
  for (const r of sampleRows) for (let d = 0; d < dim; d++) mean[d] += data[r * dim + d] * inverseNorm[r];
  for (let d = 0; d < dim; d++) mean[d] /= s;
  const sample = new Float32Array(s * dim);
  const transposed = new Float32Array(dim * s);
  sampleRows.forEach((r, i) => {
    for (let d = 0; d < dim; d++) {
      const v = data[r * dim + d] * inverseNorm[r] - mean[d];
      sample[i * dim + d] = v;
      transposed[d * s + i] = v;
    }
  });
  const random = new SeededRandom(seed);
  let basis: Float32Array = new Float32Array(dim * p);
  for (let i = 0; i < basis.length; i++) basis[i] = random.nextUint32() & 1 ? 1 : -1;
  for (let iteration = 0; iteration < POWER_ITERATIONS; iteration++) {
    const scores = await kernel.project(sample, dim, 0, s, basis, p);
    basis = orthonormalColumns(await kernel.project(transposed, s, 0, dim, scores, p), dim, p);
  }
  const projected = await kernel.project(data, dim, 0, n, basis, p);
  const shift = new Float64Array(p);
  for (let d = 0; d < dim; d++) for (let j = 0; j < p; j++) shift[j] += mean[d] * basis[d * p + j];
  for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) projected[i * p + j] = projected[i * p + j] * inverseNorm[i] - shift[j];
  return projected;
}

/** Q of a thin QR of a dim × p row-major matrix (ml-matrix Householder), row-major. */
function orthonormalColumns(values: Float32Array, dim: number, p: number): Float32Array {
  const q = new QrDecomposition(Matrix.from1DArray(dim, p, values)).orthogonalMatrix;
  return Float32Array.from(q.to1DArray());
}

/** Seeded k-means (Lloyd) on the projected rows of `training`: cellCount × p centroids. */
async function fitCells(
  kernel: DotKernel,
  projected: Float32Array,
  p: number,
  training: Int32Array,
  cellCount: number,
  iterations: number,
  signal?: AbortSignal,
): Promise<Float32Array> {
  const t = training.length;
  const rows = new Float32Array(t * p);
  training.forEach((r, i) => rows.set(projected.subarray(r * p, (r + 1) * p), i * p));
  const centroids = new Float32Array(cellCount * p);
  // The first cellCount training rows (a seeded random order) start the cells.
  for (let c = 0; c < cellCount; c++) centroids.set(rows.subarray((c % t) * p, ((c % t) + 1) * p), c * p);
  if (cellCount === 1) return centroids;
  for (let iteration = 0; iteration < iterations; iteration++) {
    signal?.throwIfAborted();
    const { cell } = await nearestCells(kernel, rows, p, t, centroids, cellCount, 1);
    const sums = new Float64Array(cellCount * p);
    const counts = new Int32Array(cellCount);
    for (let i = 0; i < t; i++) {
      const c = cell[i];
      counts[c]++;
      for (let j = 0; j < p; j++) sums[c * p + j] += rows[i * p + j];
    }
    for (let c = 0; c < cellCount; c++) {
      // An empty cell restarts on a training row (seeded by the cell's number), so every cell ends up used.
      if (counts[c] === 0) centroids.set(rows.subarray(((c * 7919) % t) * p, ((c * 7919) % t + 1) * p), c * p);
      else for (let j = 0; j < p; j++) centroids[c * p + j] = sums[c * p + j] / counts[c];
    }
  }
  return centroids;
}

/** Each row's `spill` nearest centroids (by Euclidean distance), row-major n × spill. */
async function nearestCells(
  kernel: DotKernel,
  rows: Float32Array,
  p: number,
  n: number,
  centroids: Float32Array,
  cellCount: number,
  spill: number,
): Promise<{ cell: Int32Array }> {
  const transposed = new Float32Array(p * cellCount);
  const half = new Float32Array(cellCount);
  for (let c = 0; c < cellCount; c++) {
    let s = 0;
    for (let j = 0; j < p; j++) {
      transposed[j * cellCount + c] = centroids[c * p + j];
      s += centroids[c * p + j] ** 2;
    }
    half[c] = s / 2;
  }
  const cell = new Int32Array(n * spill);
  const best = new Float32Array(spill);
  const chunk = Math.max(1, Math.floor(CHUNK_VALUES / cellCount));
  for (let start = 0; start < n; start += chunk) {
    const end = Math.min(n, start + chunk);
    const dots = await kernel.project(rows, p, start, end, transposed, cellCount);
    for (let i = start; i < end; i++) {
      best.fill(-Infinity);
      const at = i * spill;
      const base = (i - start) * cellCount;
      for (let c = 0; c < cellCount; c++) {
        const s = dots[base + c] - half[c];
        if (s <= best[spill - 1]) continue;
        let m = spill - 1;
        while (m > 0 && best[m - 1] < s) {
          best[m] = best[m - 1];
          cell[at + m] = cell[at + m - 1];
          m--;
        }
        best[m] = s;
        cell[at + m] = c;
      }
    }
  }
  return { cell };
}

/** Rows of every cell (CSR: members of cell c are members[offsets[c] … offsets[c + 1])). */
async function assignCells(
  kernel: DotKernel,
  projected: Float32Array,
  p: number,
  n: number,
  centroids: Float32Array,
  cellCount: number,
  spill: number,
): Promise<{ offsets: Int32Array; members: Int32Array }> {
  const { cell } = await nearestCells(kernel, projected, p, n, centroids, cellCount, spill);
  const offsets = new Int32Array(cellCount + 1);
  for (const c of cell) offsets[c + 1]++;
  for (let c = 0; c < cellCount; c++) offsets[c + 1] += offsets[c];
  const fill = offsets.slice(0, cellCount);
  const members = new Int32Array(n * spill);
  for (let i = 0; i < n; i++) for (let s = 0; s < spill; s++) members[fill[cell[i * spill + s]]++] = i;
  return { offsets, members };
}

/** All members of one cell against all of them in the PCA space; each row's candidate list keeps its best `width`. */
async function joinCell(
  kernel: DotKernel,
  projected: Float32Array,
  p: number,
  half: Float32Array,
  members: Int32Array,
  candidate: Int32Array,
  score: Float32Array,
  width: number,
): Promise<void> {
  const m = members.length;
  if (m < 2) return;
  const rows = new Float32Array(m * p);
  const transposed = new Float32Array(p * m);
  const memberHalf = new Float32Array(m);
  for (let r = 0; r < m; r++) {
    const i = members[r];
    memberHalf[r] = half[i];
    for (let j = 0; j < p; j++) {
      const v = projected[i * p + j];
      rows[r * p + j] = v;
      transposed[j * m + r] = v;
    }
  }
  const chunk = Math.max(1, Math.floor(CHUNK_VALUES / m));
  for (let start = 0; start < m; start += chunk) {
    const end = Math.min(m, start + chunk);
    const dots = await kernel.project(rows, p, start, end, transposed, m);
    for (let r = start; r < end; r++) {
      const i = members[r];
      const at = i * width;
      let worst = score[at + width - 1];
      const base = (r - start) * m;
      for (let o = 0; o < m; o++) {
        const s = dots[base + o] - memberHalf[o];
        if (s <= worst || o === r) continue;
        const j = members[o];
        // A pair that shares two cells is met twice: keep it once. The sorted insert is offerNeighbour's, written out
        // here: this loop runs for every pair of every cell, and calling the helper measured 8.7 s against 7.2 s
        // (bench/health/scale-bench.mts --n 40000, same results).
        let seen = false;
        for (let t = 0; t < width; t++) {
          if (candidate[at + t] === j) {
            seen = true;
            break;
          }
        }
        if (seen) continue;
        let t = width - 1;
        while (t > 0 && score[at + t - 1] < s) {
          score[at + t] = score[at + t - 1];
          candidate[at + t] = candidate[at + t - 1];
          t--;
        }
        score[at + t] = s;
        candidate[at + t] = j;
        worst = score[at + width - 1];
      }
    }
  }
}
