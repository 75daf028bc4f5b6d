import type { DotKernel } from './kernels/dot-kernel';
import type { ScanSpace } from './k-center';
import { SeededRandom, randomPermutation, signProjection } from './random';

/**
 * Neighbour densities for TYPICALITY and COVERAGE, from one pass of matrix products against a reference sample.
 *
 * Up to {@link REFERENCES} candidates every candidate is a reference and the densities are exact: typicality =
 * 1 / mean distance to the k nearest other candidates (TypiClust, k = 20). Above it, a seeded sample of
 * {@link REFERENCES} candidates stands for the whole set, and the neighbour rank is scaled with it
 * (k·R/M, at least 1): the distance to the j-th nearest of R random references estimates the distance to the
 * (j·M/R)-th nearest sample, so the density keeps its meaning at a fraction of the exact O(M²) cost. The same pass
 * gives the kernel width (the median distance to the k-th neighbour) and, for kernel herding, each candidate's kernel
 * mass over the references (its first coverage gain). When M·R·dim is too large for one such pass, the pass runs on
 * a seeded ±1 projection to {@link DENSITY_PROJECTION_DIM} dimensions.
 *
 * On large sets the neighbour rank among the references is 1, so a sample's typicality is its nearest reference: one
 * fused Gemm + ReduceMax per chunk in onnxruntime, no row of dots in JS. The kernel values (mass, herding's gains) are
 * computed only for herding's pool (see {@link HERDING_POOL}); 1,000,000 × 1,280 then costs a 64-d projection and a
 * 1M × 4,096 × 64 product, both MLAS.
 *
 * Why no ANN index: building an HNSW graph (usearch, hnswlib) over 1,000,000 × 1,280 on two cores takes far longer
 * than the whole selection budget (bench/health measured usearch's build at 100,000 rows in minutes), and
 * TYPICALITY/COVERAGE only need densities at the scale of the selection, which a reference sample gives with one BLAS
 * product (MLAS through onnxruntime, as the k-center loop).
 */

/** Every candidate is a reference (exact kNN) up to this many candidates; above it, this many are sampled. */
export const REFERENCES = 4096;
/** TypiClust's neighbour count. */
export const DEFAULT_NEIGHBOURS = 20;
/**
 * Candidates that kernel herding may pick when it hands over to DIVERSITY (the default strategy): a seeded sample of
 * this many, holding the references. Herding then makes at most R/4 = 1,024 picks, so the pool offers 16 per pick,
 * and on the references its objective cannot tell a pool candidate from one outside it any better than sampling
 * noise. It bounds herding's cost (kernel values of the pool cached: 2²⁶ floats) whatever the size of the set.
 */
export const HERDING_POOL = 4 * REFERENCES;
/** Projection of the density pass when M·R·dim exceeds {@link EXACT_PASS_BUDGET}. */
export const DENSITY_PROJECTION_DIM = 64;
/** Multiply-adds of an unprojected density pass (16,000 × 4,096 × 1,280 fits). */
const EXACT_PASS_BUDGET = 2 ** 37;
/** Keep every candidate's kernel values against the references (4 bytes each) up to this many: herding then reads a row instead of computing it. */
const KERNEL_CACHE_VALUES = 2 ** 26;
/** Below this many multiply-adds the density pass runs in plain JS (see {@link densityKernelValues}). */
const JS_PASS_LIMIT = 2 ** 27;
/** Rows of the references used to measure the kernel width before the main pass. */
const WIDTH_PILOT_ROWS = 1000;
/** Keeps each chunk's rows × references dot products at 64 MB. */
const CHUNK_VALUES = 1 << 24;

export interface Neighbourhoods {
  /** Dimension of the density space (the scan space's, or the projection's). */
  dim: number;
  /** Unit reference vectors, R × dim, row-major. */
  references: Float32Array;
  referenceCount: number;
  /** Candidate index of each reference. */
  referenceCandidates: Int32Array;
  /** Neighbour rank used among the references (k, or k·R/M when sampled). */
  neighbours: number;
  /** 1 / mean distance to the `neighbours` nearest references, per candidate. */
  typicality: Float32Array;
  /** Gaussian kernel width: the median over the references of the distance to their `neighbours`-th neighbour. */
  kernelWidth: number;
  /** Σ over the references of exp(−d²/2σ²), per candidate of the pool (0 elsewhere): its coverage gain before any pick. */
  mass: Float64Array;
  /** The candidates kernel herding may pick, ascending: all of them, or a seeded sample that holds the references. */
  pool: Int32Array;
  /** Candidates per reference (M / R): converts coverage measured on the references into samples. */
  samplesPerReference: number;
  projected: boolean;
  /** exp(−|u − c|²/2σ²) for every reference u (kept from the pass when small enough, else computed; consume before the next call). */
  kernelRow(candidate: number): Promise<Float32Array>;
  /** kernelRow of several candidates at once (one matrix product when not kept), `count × R` row-major. */
  kernelRows(candidates: ArrayLike<number>): Promise<Float32Array>;
  /** Unit vectors of the scan space (count × scan dim) in the density space. */
  toDensitySpace(vectors: Float32Array, count: number): Promise<Float32Array>;
}

export interface NeighbourhoodOptions {
  kernel: DotKernel;
  space: ScanSpace;
  candidates: number;
  seed: number;
  neighbours?: number;
  /** A kernel width to use instead of the measured one. */
  kernelWidth?: number;
  /** Size of herding's pool (default every candidate; 0 without COVERAGE: no kernel values at all). */
  herdingCandidates?: number;
  signal?: AbortSignal;
}

export async function buildNeighbourhoods(o: NeighbourhoodOptions): Promise<Neighbourhoods> {
  const { kernel, space } = o;
  const M = o.candidates;
  const rowOfCandidate = new Int32Array(M);
  for (let i = 0; i < space.rows; i++) if (space.candidateOf[i] >= 0) rowOfCandidate[space.candidateOf[i]] = i;
  const R = Math.min(M, REFERENCES);
  const projected = M * R * space.dim > EXACT_PASS_BUDGET && space.dim > DENSITY_PROJECTION_DIM;
  const dim = projected ? DENSITY_PROJECTION_DIM : space.dim;

  // The density space: the scan rows themselves (scaled to unit length on the fly), or a compact projected copy.
  let data = space.scan;
  let scale = space.rowScale;
  let rowOf = rowOfCandidate;
  let projection: Float32Array | null = null;
  if (projected) {
    projection = signProjection(space.dim, dim, o.seed ^ 0x6c8e9cf5);
    data = await projectCandidates(kernel, space, rowOfCandidate, projection, dim);
    scale = null;
    rowOf = Int32Array.from({ length: M }, (_, c) => c);
  }
  const unitRow = (c: number, out: Float32Array, at: number) => {
    const r = rowOf[c];
    const s = scale === null ? 1 : scale[r];
    for (let j = 0; j < dim; j++) out[at + j] = data[r * dim + j] * s;
  };

  // One seeded order: its first R candidates are the references, its first P herding's pool (so the pool holds them).
  const poolSize = Math.min(M, Math.max(0, o.herdingCandidates ?? M));
  const all = () => Int32Array.from({ length: M }, (_, c) => c);
  const order = R === M && poolSize === M ? null : randomPermutation(M, new SeededRandom(o.seed ^ 0x1b873593));
  const referenceCandidates = R === M ? all() : order!.slice(0, R).sort();
  const references = new Float32Array(R * dim);
  referenceCandidates.forEach((c, u) => unitRow(c, references, u * dim));
  const transposed = new Float32Array(dim * R);
  for (let u = 0; u < R; u++) for (let j = 0; j < dim; j++) transposed[j * R + u] = references[u * dim + j];
  const referenceOf = new Int32Array(M).fill(-1);
  referenceCandidates.forEach((c, u) => (referenceOf[c] = u));

  const wanted = o.neighbours ?? DEFAULT_NEIGHBOURS;
  const neighbours = Math.max(1, Math.min(R === M ? wanted : Math.round((wanted * R) / M), R - 1));

  // Kernel width: median distance of the first references to their k-th nearest other reference.
  let kernelWidth = o.kernelWidth ?? 0;
  if (o.kernelWidth === undefined) {
    const pilot = Math.min(R, WIDTH_PILOT_ROWS);
    const dots = await kernel.project(references, dim, 0, pilot, transposed, R);
    const kth = new Float64Array(pilot);
    const top = new Float64Array(neighbours);
    for (let p = 0; p < pilot; p++) {
      nearestDots(dots, p * R, R, p, top);
      kth[p] = distance(top[neighbours - 1]);
    }
    kth.sort();
    kernelWidth = R > 1 ? kth[pilot >> 1] : 1;
    if (!(kernelWidth > 0)) kernelWidth = 1e-3; // all references identical: any width covers them
  }

  // Herding's candidates: every candidate, or a seeded sample that starts with the references (the same permutation).
  const pool = poolSize === M ? all() : order!.slice(0, poolSize).sort();
  const poolIndex = new Int32Array(M).fill(-1);
  pool.forEach((c, p) => (poolIndex[c] = p));

  const typicality = new Float32Array(M);
  const mass = new Float64Array(M);
  const cache = poolSize * R <= KERNEL_CACHE_VALUES ? new Float32Array(poolSize * R) : null;
  const inv2s2 = 1 / (2 * kernelWidth * kernelWidth);
  const top = new Float64Array(neighbours);
  const typicalityOf = (meanDistance: number) => 1 / Math.max(meanDistance, 1e-6);
  // With one neighbour among the references (large sets: k·R/M rounds to 1) a sample's typicality is its nearest
  // reference, which onnxruntime's fused Gemm + ReduceMax gives without a row of dots per sample in JS; only herding's
  // pool then needs the full rows (kernel mass, cached kernel values, and the references' own, self-excluded, nearest).
  const nearestOnly = neighbours === 1 && R > 1 && poolSize < M;
  if (nearestOnly) {
    const rows = projected ? M : space.rows;
    const chunk = Math.max(1, Math.floor(CHUNK_VALUES / R));
    for (let start = 0; start < rows; start += chunk) {
      o.signal?.throwIfAborted();
      const end = Math.min(rows, start + chunk);
      const { max } = await kernel.maxDot(data, dim, start, end, references, R);
      for (let i = start; i < end; i++) {
        const c = projected ? i : space.candidateOf[i];
        if (c >= 0) typicality[c] = typicalityOf(distance(max[i - start] * (scale === null ? 1 : scale[i])));
      }
    }
  }
  // The full pass: typicality of every candidate (unless done above) and, for herding's pool, the kernel mass and values.
  // (A pool smaller than the references is a prefix of them, so the references always get their self-excluded pass.)
  const passList = !nearestOnly ? all() : poolSize >= R ? pool : referenceCandidates;
  const chunk = Math.max(1, Math.min(passList.length, Math.floor(CHUNK_VALUES / Math.max(R, dim))));
  const gathered = new Float32Array(chunk * dim);
  for (let start = 0; start < passList.length; start += chunk) {
    o.signal?.throwIfAborted();
    const end = Math.min(passList.length, start + chunk);
    for (let i = start; i < end; i++) unitRow(passList[i], gathered, (i - start) * dim);
    const dots = await kernel.project(gathered, dim, 0, end - start, transposed, R);
    for (let i = start; i < end; i++) {
      const c = passList[i];
      const base = (i - start) * R;
      const p = poolIndex[c];
      if (p >= 0) {
        let m = 0;
        for (let u = 0; u < R; u++) {
          const d2 = 2 - 2 * dots[base + u];
          const k = Math.exp(-(d2 > 0 ? d2 : 0) * inv2s2);
          if (cache !== null) cache[p * R + u] = k;
          m += k;
        }
        mass[c] = m;
      }
      if (R === 1) {
        typicality[c] = 1;
        continue;
      }
      nearestDots(dots, base, R, referenceOf[c], top);
      let sum = 0;
      for (let j = 0; j < neighbours; j++) sum += distance(top[j]);
      typicality[c] = typicalityOf(sum / neighbours);
    }
  }

  const scratch = new Float32Array(dim);
  const row = new Float32Array(R);
  return {
    dim,
    references,
    referenceCount: R,
    referenceCandidates,
    neighbours,
    typicality,
    kernelWidth,
    mass,
    pool,
    samplesPerReference: M / R,
    projected,
    kernelRows: async (list) => {
      const B = list.length;
      const out = new Float32Array(B * R);
      if (cache !== null) {
        for (let b = 0; b < B; b++) out.set(cache.subarray(poolIndex[list[b]] * R, (poolIndex[list[b]] + 1) * R), b * R);
        return out;
      }
      const vectors = new Float32Array(B * dim);
      for (let b = 0; b < B; b++) unitRow(list[b], vectors, b * dim);
      const dots = await kernel.project(vectors, dim, 0, B, transposed, R);
      for (let i = 0; i < B * R; i++) {
        const d2 = 2 - 2 * dots[i];
        out[i] = Math.exp(-(d2 > 0 ? d2 : 0) * inv2s2);
      }
      return out;
    },
    kernelRow: async (c) => {
      if (cache !== null) return cache.subarray(poolIndex[c] * R, (poolIndex[c] + 1) * R);
      unitRow(c, scratch, 0);
      const dots = await kernel.matVec(references, dim, 0, R, scratch);
      for (let u = 0; u < R; u++) {
        const d2 = 2 - 2 * dots[u];
        row[u] = Math.exp(-(d2 > 0 ? d2 : 0) * inv2s2);
      }
      return row;
    },
    toDensitySpace: async (vectors, count) => {
      if (projection === null || count === 0) return vectors;
      const out = await kernel.project(vectors, space.dim, 0, count, projection, dim);
      normaliseRows(out, dim);
      return out;
    },
  };
}

/**
 * The matrix size to choose the dot kernel by (see createDotKernel) when densities are needed: the density pass reads
 * M × R × dim values, so onnxruntime's BLAS pays off long before the k-center scans would choose it.
 */
export function densityKernelValues(rows: number, dim: number): number {
  return rows * Math.min(rows, REFERENCES) * dim > JS_PASS_LIMIT ? Number.MAX_SAFE_INTEGER : rows * dim;
}

/** The `top.length` largest dots of one row (excluding column `self`), largest first. */
function nearestDots(dots: Float32Array, base: number, count: number, self: number, top: Float64Array): void {
  const k = top.length;
  top.fill(-Infinity);
  for (let u = 0; u < count; u++) {
    if (u === self) continue;
    const v = dots[base + u];
    if (v <= top[k - 1]) continue;
    let j = k - 1;
    while (j > 0 && top[j - 1] < v) {
      top[j] = top[j - 1];
      j--;
    }
    top[j] = v;
  }
}

function distance(dot: number): number {
  const d2 = 2 - 2 * dot;
  return d2 > 0 ? Math.sqrt(d2) : 0;
}

function normaliseRows(m: Float32Array, dim: number): void {
  for (let b = 0; b < m.length; b += dim) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += m[b + j] * m[b + j];
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let j = 0; j < dim; j++) m[b + j] *= inv;
  }
}

/** The candidates' rows projected and normalised, M × dim, in chunks so the scan matrix is never copied whole. */
async function projectCandidates(kernel: DotKernel, space: ScanSpace, rowOfCandidate: Int32Array, projection: Float32Array, dim: number): Promise<Float32Array> {
  const M = rowOfCandidate.length;
  const out = new Float32Array(M * dim);
  const chunk = 8192;
  for (let start = 0; start < space.rows; start += chunk) {
    const end = Math.min(space.rows, start + chunk);
    const p = await kernel.project(space.scan, space.dim, start, end, projection, dim);
    for (let i = start; i < end; i++) {
      const c = space.candidateOf[i];
      if (c >= 0) out.set(p.subarray((i - start) * dim, (i - start + 1) * dim), c * dim);
    }
  }
  normaliseRows(out, dim);
  return out;
}
