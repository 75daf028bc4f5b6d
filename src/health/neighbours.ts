import { Index, MetricKind, ScalarKind, type BatchMatches, type Matches } from 'usearch';
import type { ProgressCallback } from '../progress';
import { measureProgress } from '../progress';
import { createDotKernel } from '../select/kernels/dot-kernel';
import { cellNeighbours, inverseNorms, type CellSearchSettings } from './cell-neighbours';
import { offerNeighbour, type NeighbourLists } from './neighbour-lists';

export type { NeighbourLists } from './neighbour-lists';

/**
 * At or below this many rows the all-pairs search is exact (blocked onnxruntime products); above it, the cell search
 * in a PCA space (`cellNeighbours`), linear in the rows at a fixed cell size.
 */
export const EXACT_LIMIT = 20_000;

/**
 * How the HNSW index of the incremental check and of "find similar" is built: graph degree, candidate lists while
 * adding and searching, and the stored scalar.
 */
export interface AnnSettings {
  connectivity: number;
  expansionAdd: number;
  expansionSearch: number;
  /** `i8`: a byte per dimension (cosine on normalised vectors, quantised to ±127); `f16`/`f32` cost 2×/4× that. */
  quantization: 'i8' | 'f16' | 'f32';
}

/**
 * HNSW settings, measured by bench/health/scale-bench.mts against exact search (README, "Scale"): expansion 128 while
 * adding and 96 while searching keep recall@10 at 99.95 % and every planted near-duplicate pair at 100k. Cheaper
 * settings lose them as the graph grows: 32/48 is 3.7× faster at 20k with 99.3 % recall but 89 % recall and 97 % of
 * the pairs at 100k; i8 storage loses neighbours (96.5 % at 20k) for little speed, so vectors stay f16 (similarities
 * within ~1e-3 of f32).
 */
export const ANN_SETTINGS: AnnSettings = { connectivity: 16, expansionAdd: 128, expansionSearch: 96, quantization: 'f16' };

const SCALAR = { i8: ScalarKind.I8, f16: ScalarKind.F16, f32: ScalarKind.F32 } as const;

/** An empty index for `dim`-dimensional embeddings (cosine metric); every index of the health code is made here. */
export function newIndex(dim: number, settings: AnnSettings = ANN_SETTINGS): Index {
  return new Index({
    dimensions: dim,
    metric: MetricKind.Cos,
    quantization: SCALAR[settings.quantization],
    connectivity: settings.connectivity,
    expansion_add: settings.expansionAdd,
    expansion_search: settings.expansionSearch,
    multi: false,
  });
}

export interface NeighbourOptions {
  k: number;
  /** `auto` (default): exact up to EXACT_LIMIT rows, the cell search (approximate) above. */
  method?: 'auto' | 'exact' | 'ann';
  /** Threads for usearch (0 = all cores). */
  threads?: number;
  /** Cell search settings (default CELL_SEARCH_SETTINGS; the scale bench compares others). */
  cells?: Partial<CellSearchSettings>;
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
}

/** Floats of one block of the exact search (rows × n similarities): 16 MB. */
const EXACT_BLOCK_VALUES = 1 << 22;

/** Query rows per call: bounds the result buffers and lets progress and abort run between batches. */
const QUERY_BATCH = 4096;

/**
 * k nearest neighbours of every row of `data` (n × dim, row-major) by cosine similarity: exact up to EXACT_LIMIT
 * rows, above it the cell search (an HNSW graph was measured far too slow to build at 1,000,000 rows on two cores:
 * bench/health/README.md).
 *
 * @example
 * const lists = await allNeighbours(matrix.data, matrix.dim, { k: 5 });
 * lists.indices.subarray(0, 5) // Int32Array [17, 4, 90, 3, 51]: row 0's nearest first
 */
export async function allNeighbours(data: Float32Array, dim: number, options: NeighbourOptions): Promise<NeighbourLists> {
  const n = data.length / dim;
  const method = options.method === undefined || options.method === 'auto' ? (n <= EXACT_LIMIT ? 'exact' : 'ann') : options.method;
  if (method === 'exact') return exactNeighbours(data, dim, options);
  return cellNeighbours(data, dim, { k: options.k, settings: options.cells, onProgress: options.onProgress, signal: options.signal });
}

/**
 * Exact k-NN: blocks of rows times all unit rows (one onnxruntime product per block — 4× usearch's brute force in the
 * same run here — or plain JS for small matrices), each row's best `k` kept. Memory: a transposed unit copy of the
 * matrix (n × dim floats) and a 16 MB block.
 */
async function exactNeighbours(data: Float32Array, dim: number, options: NeighbourOptions): Promise<NeighbourLists> {
  const n = data.length / dim;
  const lists = emptyLists(n, options.k, 'exact');
  if (n === 0) return lists;
  const started = Date.now();
  const kernel = await createDotKernel('auto', n * dim);
  try {
    const inverse = await inverseNorms(kernel, data, dim, n);
    const unit = new Float32Array(dim * n);
    for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) unit[d * n + i] = data[i * dim + d] * inverse[i];
    const block = Math.max(1, Math.floor(EXACT_BLOCK_VALUES / n));
    for (let start = 0; start < n; start += block) {
      options.signal?.throwIfAborted();
      const end = Math.min(n, start + block);
      const dots = await kernel.project(data, dim, start, end, unit, n);
      for (let row = start; row < end; row++) {
        const base = (row - start) * n;
        for (let j = 0; j < n; j++) if (j !== row) offerNeighbour(lists, row, j, dots[base + j] * inverse[row]);
      }
      options.onProgress?.(measureProgress(end, n, started));
    }
    return lists;
  } finally {
    await kernel.dispose();
  }
}

/**
 * Adds `data` to a usearch HNSW index (a new one with ANN_SETTINGS by default), keys `firstKey`, `firstKey + 1`, …,
 * in slices that report progress and can be aborted between them; usearch adds each slice on `threads` threads.
 */
export function buildIndex(
  data: Float32Array,
  dim: number,
  threads = 0,
  firstKey = 0n,
  onProgress?: ProgressCallback,
  signal?: AbortSignal,
  index?: Index,
): Index {
  const target = index ?? newIndex(dim);
  const n = data.length / dim;
  const started = Date.now();
  // Added in slices so a long build reports progress and can be aborted between them.
  const slice = 16_384;
  for (let start = 0; start < n; start += slice) {
    signal?.throwIfAborted();
    const end = Math.min(n, start + slice);
    const keys = new BigUint64Array(end - start);
    for (let i = 0; i < keys.length; i++) keys[i] = firstKey + BigInt(start + i);
    target.add(keys, data.subarray(start * dim, end * dim), threads);
    onProgress?.(measureProgress(end, n, started));
  }
  return target;
}

/**
 * Searches `queries` (rows of `data` whose index keys start at `selfKey`, or −1 for outside queries) in `index`,
 * dropping each query's own key from its list.
 */
export function searchIndex(index: Index, queries: Float32Array, dim: number, options: NeighbourOptions, selfKey: number): NeighbourLists {
  const n = queries.length / dim;
  const lists = emptyLists(n, options.k, 'ann');
  const started = Date.now();
  const count = Math.min(index.size(), options.k + 1);
  if (n === 0 || count === 0) return lists;
  for (let start = 0; start < n; start += QUERY_BATCH) {
    options.signal?.throwIfAborted();
    const end = Math.min(n, start + QUERY_BATCH);
    const matches = index.search(queries.subarray(start * dim, end * dim), count, options.threads ?? 0);
    fill(lists, asBatch(matches, end - start, count), start, end, selfKey < 0 ? -1 : selfKey);
    options.onProgress?.(measureProgress(end, n, started));
  }
  return lists;
}

function emptyLists(n: number, k: number, method: NeighbourLists['method']): NeighbourLists {
  const lists: NeighbourLists = { k, indices: new Int32Array(n * k).fill(-1), similarities: new Float32Array(n * k).fill(-Infinity), method };
  return lists;
}

function asBatch(matches: Matches | BatchMatches, queries: number, k: number): { keys: BigUint64Array; distances: Float32Array; counts: ArrayLike<bigint | number>; k: number } {
  if ('counts' in matches) return { keys: matches.keys, distances: matches.distances, counts: matches.counts, k: Number(matches.k) };
  // usearch returns a single Matches for a batch of one query.
  void queries;
  return { keys: matches.keys, distances: matches.distances, counts: [matches.keys.length], k };
}

/** Copies a batch's matches into rows start…end, skipping the query itself (key = row + selfOffset). */
function fill(
  lists: NeighbourLists,
  batch: { keys: BigUint64Array; distances: Float32Array; counts: ArrayLike<bigint | number>; k: number },
  start: number,
  end: number,
  selfOffset = 0,
): void {
  const { k } = lists;
  for (let q = 0; q < end - start; q++) {
    const row = start + q;
    const self = selfOffset < 0 ? -1 : row + selfOffset;
    const found = Number(batch.counts[q]);
    let out = 0;
    for (let j = 0; j < found && out < k; j++) {
      const key = Number(batch.keys[q * batch.k + j]);
      if (key === self) continue;
      lists.indices[row * k + out] = key;
      lists.similarities[row * k + out] = 1 - batch.distances[q * batch.k + j];
      out++;
    }
  }
}
