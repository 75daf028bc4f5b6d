import { measureProgress, type ProgressCallback } from '../progress';
import type { DotKernel } from './kernels/dot-kernel';
import { matVecInto } from './kernels/js-dot-kernel';

/**
 * Greedy k-center (farthest point) over L2-normalised rows, combined with static objectives and a balance term the
 * way Lightly combines strategies: one greedy pass whose objective is the product of the per-strategy objectives,
 * each raised to its strength. In log space: `score = a·log(d) + Σ sᵢ·log(wᵢ) + s_b·log(balance(category))`.
 *
 * Every pick costs one read of the scan matrix (one matrix–vector product, |x − c|² = 2 − 2·x·c on unit rows).
 * When the engine owns the scan matrix (a projected copy), it also regroups the rows into the cells of the current
 * centres at 64, 128, 256, … centres and skips every cell that the new centre provably cannot change: row x of cell
 * b was d0(x) from centre z_b, so |x − c| ≥ |c − z_b| − d0(x); once |c − z_b| ≥ d0(x) + m(x) (m = its current
 * distance to its nearest centre) for every live row of the cell, none gets closer (the triangle-inequality pruning
 * of accelerated farthest-point sampling).
 */

/** The rows the distance scans read. */
export interface ScanSpace {
  /** Row-major rows × dim. */
  scan: Float32Array;
  dim: number;
  rows: number;
  /** Multiplier making each row unit length (1/|x|), or null when the rows are already unit length. */
  rowScale: Float32Array | null;
  /** Scan row → candidate index, −1 for rows that are never candidates (thresholded out, preselected). */
  candidateOf: Int32Array;
  /** Whether the engine may reorder `scan` (it is the engine's own copy), which enables cell pruning. */
  owned: boolean;
}

export interface GreedyBalance {
  /** Category per candidate. */
  category: Int32Array;
  targets: Float64Array;
  strength: number;
}

export interface GreedyOptions {
  kernel: DotKernel;
  space: ScanSpace;
  candidates: number;
  /** Unit vectors of centres that exist before the first pick (preselected samples, a datapool), count × dim. */
  initialCentres?: { vectors: Float32Array; count: number };
  /** Σ strength·log(factor) of the static objectives per candidate, or null when there are none. */
  logStatic: Float64Array | null;
  balance: GreedyBalance | null;
  /** Exponent of the distance in the product (the DIVERSITY strategy's strength). */
  diversityStrength: number;
  /** Tie-break rank per candidate (lower wins), so equal scores resolve the same way on every run. */
  tieRank: Int32Array;
  /** Greedy picks to make at most (the selection size, or the exact-ranking depth when that is larger). */
  limit: number;
  /** Picks that form the selection (Infinity when only minDistance stops it). */
  selectCount: number;
  /** Stop selecting once every candidate is within this distance of a centre. */
  minDistance?: number;
  /** Regroup into cells once there are this many centres, then at every doubling (owned spaces only). */
  rebuildFrom?: number;
  /** Switch to lazy upper-bound picking once there are this many centres (pure diversity only; Infinity = never). */
  lazyFrom?: number;
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
}

export interface GreedyPick {
  candidate: number;
  /** Distance to the nearest earlier centre (2, the diameter of the unit sphere, when there was none). */
  distance: number;
  /** Index of that centre: initial centres first, then picks in order; −1 when there was none. */
  nearestCentre: number;
  /** The balance factor target·(t+1)/(count+1) at the time of the pick, when balancing. */
  balanceFactor?: number;
  /** log of the combined score. */
  logScore: number;
}

export interface GreedyResult {
  picks: GreedyPick[];
  /** How many of `picks` form the selection. */
  selectedCount: number;
  stoppedBy: 'n' | 'minDistance' | 'exhausted';
  /** Largest distance from a candidate to its nearest centre once the selection was made. */
  coveringRadius: number;
  /** The candidates not picked, best first, with the score they would have as the next pick. */
  tail: { candidate: Int32Array; logScore: Float64Array; distance: Float32Array; nearestCentre: Int32Array };
  /** Balance factor per category after the last pick (what the tail's scores include). */
  balanceFactors: Float64Array;
  /** Rows of the scan matrix read, over all picks (a full pass counts every row once, however many centres it serves). */
  rowsScanned: number;
  /** Full passes over the scan matrix: one per pick in the plain loop, one per batch refresh in lazy mode. */
  fullScans: number;
  /** Wall time of the pick loop alone. */
  seconds: number;
  /** Time spent inside full-pass kernel calls during the loop, ms: the rest of a pick is the engine's own work. */
  kernelMs: number;
  /** Median and fastest single pick in ms (on a shared machine the median shows load, the minimum the kernel). */
  pickMs: { median: number; min: number };
}

/** Below this share of rows left after pruning, scan the surviving cells in JS; above it one BLAS pass is cheaper. */
const FULL_SCAN_FRACTION = 0.3;
/** Squared distance of a row to an empty set of centres: the unit sphere's diameter squared, so nothing is farther. */
const NO_CENTRE_D2 = 4;
/** Slack on the pruning test for float32 rounding of the dot products, so a borderline cell is scanned, not skipped. */
const PRUNE_SLACK = 1e-4;
const DEFAULT_REBUILD_FROM = 64;
/**
 * Until this many centres exist every row's distance is still falling fast, so full scans (which refresh every row
 * at once) beat refreshing rows one by one; after it, lazy picking touches only the few rows near the top.
 */
const DEFAULT_LAZY_FROM = 32;
/**
 * When the rows refreshed one by one (in JS) have cost this share of a full scan's multiply-adds since the last batch,
 * refresh every row against the new centres in one BLAS pass instead and rebuild the heap: on data where many rows
 * sit near the top, one matrix product over a batch of centres is far cheaper than thousands of single refreshes.
 */
const LAZY_BATCH_SHARE = 0.5;
const PROGRESS_INTERVAL_MS = 250;

export async function runGreedy(options: GreedyOptions): Promise<GreedyResult> {
  const engine = new GreedyEngine(options);
  return engine.run();
}

class GreedyEngine {
  private readonly o: GreedyOptions;
  private scan: Float32Array;
  private readonly dim: number;
  private readonly rows: number;
  private rowScale: Float32Array | null;
  private cand: Int32Array;
  private minD2: Float32Array;
  private nearest: Int32Array;
  private key: Float64Array;
  private alive: Uint8Array;
  /** Distance of each row to its block's centre at the last regrouping (the static half of the pruning bound). */
  private d0: Float32Array;
  /** Key = d² directly (monotone in the score) when only diversity counts; saves a log per updated row. */
  private readonly pure: boolean;
  private readonly halfA: number;
  private readonly categories: number;
  private readonly balLog: Float64Array;
  private readonly balCounts: Float64Array;

  // Blocks: row ranges with a bounding ball (centre index and radius), their largest d² and best key per category.
  private bStart = new Int32Array(0);
  private bEnd = new Int32Array(0);
  private bCentre = new Int32Array(0);
  /** max over the block's live rows of d0 + current distance: no row changes unless |c − z_b| < this. */
  private bBound = new Float64Array(0);
  private bMaxD2 = new Float64Array(0);
  private bBestKey = new Float64Array(0);
  private bBestRow = new Int32Array(0);

  private centres: Float32Array;
  private centreCount = 0;
  private nextRebuild: number;
  private rowsScanned = 0;
  private fullScans = 0;
  private readonly dots: Float32Array;
  // Lazy mode: a max-heap of live rows by their (possibly stale, hence upper-bound) d², and for each row the number
  // of centres its d² already accounts for.
  private lazy = false;
  private lazyStart = 0;
  private heap = new Int32Array(0);
  private heapSize = 0;
  private refreshedTo = new Int32Array(0);
  private lazyDotCount = 0;
  private kernelMs = 0;
  /** Multiply-adds of single-row refreshes since the last batch refresh. */
  private lazyWork = 0;
  private batches = 0;

  constructor(options: GreedyOptions) {
    this.o = options;
    const { space } = options;
    this.scan = space.scan;
    this.dim = space.dim;
    this.rows = space.rows;
    this.rowScale = space.rowScale;
    this.cand = space.candidateOf;
    this.minD2 = new Float32Array(this.rows).fill(NO_CENTRE_D2);
    this.nearest = new Int32Array(this.rows).fill(-1);
    this.key = new Float64Array(this.rows);
    this.alive = new Uint8Array(this.rows);
    this.d0 = new Float32Array(this.rows);
    for (let i = 0; i < this.rows; i++) if (this.cand[i] >= 0) this.alive[i] = 1;
    this.pure = options.logStatic === null && options.balance === null && options.diversityStrength > 0;
    this.halfA = options.diversityStrength / 2;
    this.categories = options.balance === null ? 1 : options.balance.targets.length;
    this.balLog = new Float64Array(this.categories);
    this.balCounts = new Float64Array(this.categories);
    const initial = options.initialCentres?.count ?? 0;
    // Grown by doubling: a full ranking of a large set may make far more picks than are worth reserving upfront.
    this.centres = new Float32Array(Math.max(16, initial + Math.min(options.limit, 1024)) * this.dim);
    this.nextRebuild = Math.max(options.rebuildFrom ?? DEFAULT_REBUILD_FROM, 1);
    this.dots = new Float32Array(this.rows);
    this.setSingleBlock();
  }

  async run(): Promise<GreedyResult> {
    const o = this.o;
    const startedAt = Date.now();
    let lastProgress = startedAt;
    if (o.initialCentres !== undefined && o.initialCentres.count > 0) await this.addInitialCentres(o.initialCentres);
    this.refreshBalance(0);
    this.recomputeAllKeys();
    const loopStart = performance.now();
    const picks: GreedyPick[] = [];
    let selectedCount = -1;
    let stoppedBy: GreedyResult['stoppedBy'] = 'exhausted';
    let coveringRadius = Math.sqrt(this.maxD2());

    const pickTimes = new Float64Array(o.limit);
    // Lazy picking needs keys that only fall as centres are added: distance to a positive power times fixed factors.
    // Without balance that holds for any static objectives; minDistance needs the exact radius per pick (pure only).
    const lazyKeys = o.balance === null && o.diversityStrength > 0 && (this.pure || o.minDistance === undefined);
    const lazyFrom = lazyKeys ? (o.lazyFrom ?? DEFAULT_LAZY_FROM) : Infinity;
    for (let t = 0; t < o.limit; t++) {
      const pickStart = performance.now();
      o.signal?.throwIfAborted();
      if (!this.lazy && this.centreCount >= lazyFrom) this.startLazy();
      if (this.lazy && this.lazyWork > LAZY_BATCH_SHARE * this.rows * this.dim) await this.batchRefresh();
      const r = this.lazy ? this.lazyArgmax() : this.argmax();
      // Pure diversity picks the farthest row, so in lazy mode its distance is the current covering radius.
      if (this.lazy && this.pure && r >= 0 && selectedCount < 0) coveringRadius = Math.sqrt(this.minD2[r]);
      if (selectedCount < 0) {
        if (t >= o.selectCount) {
          selectedCount = t;
          stoppedBy = 'n';
          if (this.lazy && !this.pure) {
            await this.batchRefresh();
            coveringRadius = Math.sqrt(this.maxAliveD2());
          }
        } else if (o.minDistance !== undefined && this.centreCount > 0 && coveringRadius < o.minDistance) {
          selectedCount = t;
          stoppedBy = 'minDistance';
        }
      }
      if (r < 0) break;
      const c = this.cand[r];
      const d2 = this.minD2[r];
      const pick: GreedyPick = {
        candidate: c,
        distance: Math.sqrt(d2),
        nearestCentre: this.nearest[r],
        logScore: this.key[r] + this.balLog[this.categoryOfRow(r)],
      };
      if (this.pure) pick.logScore = this.halfA * Math.log(d2);
      if (o.balance !== null) pick.balanceFactor = this.balanceFactor(o.balance.category[c], t);
      picks.push(pick);
      if (this.lazy) this.heapPop();
      this.alive[r] = 0;
      this.key[r] = -Infinity;
      if (o.balance !== null) this.balCounts[o.balance.category[c]]++;
      this.refreshBalance(t + 1);
      if (this.lazy) this.storeCentre(this.rowVector(r));
      else await this.addCentre(this.rowVector(r));
      if (selectedCount < 0 && !this.lazy) coveringRadius = Math.sqrt(this.maxD2());
      pickTimes[t] = performance.now() - pickStart;
      const now = Date.now();
      if (o.onProgress !== undefined && now - lastProgress >= PROGRESS_INTERVAL_MS) {
        lastProgress = now;
        o.onProgress(measureProgress(t + 1, o.limit, startedAt, now));
      }
    }
    if (this.lazy) {
      await this.batchRefresh();
      if (selectedCount < 0) coveringRadius = Math.sqrt(this.maxAliveD2());
    }
    if (selectedCount < 0) selectedCount = picks.length;
    if (stoppedBy === 'exhausted' && selectedCount >= o.selectCount) stoppedBy = 'n';
    o.onProgress?.(measureProgress(picks.length, o.limit, startedAt));
    const seconds = (performance.now() - loopStart) / 1000;
    const sorted = pickTimes.subarray(0, picks.length).sort();
    return {
      seconds,
      pickMs: { median: sorted.length === 0 ? 0 : sorted[sorted.length >> 1], min: sorted.length === 0 ? 0 : sorted[0] },
      picks,
      selectedCount,
      stoppedBy,
      coveringRadius,
      tail: this.tail(),
      balanceFactors: Float64Array.from({ length: this.categories }, (_, c) => this.balanceFactor(c, picks.length)),
      rowsScanned: this.rowsScanned + this.lazyDotCount,
      kernelMs: this.kernelMs,
      fullScans: this.fullScans + this.batches,
    };
  }

  private startLazy(): void {
    this.lazy = true;
    this.lazyStart = this.centreCount;
    this.refreshedTo = new Int32Array(this.rows).fill(this.centreCount);
    this.heap = new Int32Array(this.rows);
    this.heapSize = 0;
    for (let i = 0; i < this.rows; i++) if (this.alive[i]) this.heap[this.heapSize++] = i;
    for (let h = (this.heapSize >> 1) - 1; h >= 0; h--) this.siftDown(h);
  }

  /** Whether row a ranks above row b: larger key (d² when pure), then the lower tie rank. */
  private above(a: number, b: number): boolean {
    const da = this.key[a];
    const db = this.key[b];
    return da > db || (da === db && this.o.tieRank[this.cand[a]] < this.o.tieRank[this.cand[b]]);
  }

  private siftDown(h: number): void {
    const heap = this.heap;
    const n = this.heapSize;
    const row = heap[h];
    for (;;) {
      let child = 2 * h + 1;
      if (child >= n) break;
      if (child + 1 < n && this.above(heap[child + 1], heap[child])) child++;
      if (!this.above(heap[child], row)) break;
      heap[h] = heap[child];
      h = child;
    }
    heap[h] = row;
  }

  private heapPop(): void {
    this.heap[0] = this.heap[--this.heapSize];
    if (this.heapSize > 0) this.siftDown(0);
  }

  /**
   * The live row with the largest d². Distances only fall as centres are added, so a stale d² is an upper bound:
   * refresh the top row against the centres added since it was last exact; once the top is exact it is the maximum.
   */
  private lazyArgmax(): number {
    const dim = this.dim;
    while (this.heapSize > 0) {
      const r = this.heap[0];
      const from = this.refreshedTo[r];
      if (from === this.centreCount) return r;
      const s = this.rowScale === null ? 1 : this.rowScale[r];
      const base = r * dim;
      let m = this.minD2[r];
      for (let c = from; c < this.centreCount; c++) {
        const cb = c * dim;
        let dot = 0;
        for (let j = 0; j < dim; j++) dot += this.scan[base + j] * this.centres[cb + j];
        let d2 = 2 - 2 * dot * s;
        if (d2 < 0) d2 = 0;
        if (d2 < m) {
          m = d2;
          this.nearest[r] = c;
        }
      }
      this.lazyDotCount++;
      this.lazyWork += (this.centreCount - from) * dim;
      this.minD2[r] = m;
      this.key[r] = this.pure ? m : this.keyOf(r);
      this.refreshedTo[r] = this.centreCount;
      this.siftDown(0);
    }
    return -1;
  }

  /** Brings every live row's distance up to date with one BLAS pass over the centres added since the last one. */
  private async batchRefresh(): Promise<void> {
    this.lazyWork = 0;
    const from = this.lazyStart;
    const count = this.centreCount - from;
    if (count === 0 || this.heapSize === 0) return;
    this.batches++;
    this.lazyStart = this.centreCount;
    const vectors = this.centres.subarray(from * this.dim, this.centreCount * this.dim);
    const k0 = performance.now();
    const { max, argmax } = await this.o.kernel.maxDot(this.scan, this.dim, 0, this.rows, vectors, count);
    this.kernelMs += performance.now() - k0;
    this.rowsScanned += this.rows;
    for (let i = 0; i < this.rows; i++) {
      if (!this.alive[i]) continue;
      let d2 = 2 - 2 * max[i] * (this.rowScale === null ? 1 : this.rowScale[i]);
      if (d2 < 0) d2 = 0;
      if (d2 < this.minD2[i]) {
        this.minD2[i] = d2;
        this.key[i] = this.pure ? d2 : this.keyOf(i);
        this.nearest[i] = from + argmax[i];
      }
    }
    this.refreshedTo.fill(this.centreCount);
    this.heapSize = 0;
    for (let i = 0; i < this.rows; i++) if (this.alive[i]) this.heap[this.heapSize++] = i;
    for (let h = (this.heapSize >> 1) - 1; h >= 0; h--) this.siftDown(h);
  }

  private maxAliveD2(): number {
    let m = 0;
    for (let i = 0; i < this.rows; i++) if (this.alive[i] && this.minD2[i] > m) m = this.minD2[i];
    return m;
  }

  private categoryOfRow(r: number): number {
    return this.o.balance === null ? 0 : this.o.balance.category[this.cand[r]];
  }

  /** D'Hondt-style: the category's target share of the next pick over what it already holds; 1 when on target. */
  private balanceFactor(category: number, picked: number): number {
    const b = this.o.balance;
    return b === null ? 1 : (b.targets[category] * (picked + 1)) / (this.balCounts[category] + 1);
  }

  private refreshBalance(picked: number): void {
    const b = this.o.balance;
    if (b === null) return;
    for (let c = 0; c < this.categories; c++) this.balLog[c] = b.strength * Math.log(Math.max(this.balanceFactor(c, picked), 1e-12));
  }

  private keyOf(i: number): number {
    if (this.pure) return this.minD2[i];
    const a = this.halfA === 0 ? 0 : this.halfA * Math.log(this.minD2[i]);
    return a + (this.o.logStatic === null ? 0 : this.o.logStatic[this.cand[i]]);
  }

  private recomputeAllKeys(): void {
    for (let i = 0; i < this.rows; i++) this.key[i] = this.alive[i] ? this.keyOf(i) : -Infinity;
    for (let b = 0; b < this.bStart.length; b++) this.refreshBlock(b);
  }

  private rowVector(r: number): Float32Array {
    const v = this.scan.slice(r * this.dim, (r + 1) * this.dim);
    const s = this.rowScale === null ? 1 : this.rowScale[r];
    if (s !== 1) for (let j = 0; j < this.dim; j++) v[j] *= s;
    return v;
  }

  private storeCentre(v: Float32Array): number {
    const index = this.centreCount++;
    if ((index + 1) * this.dim > this.centres.length) {
      const grown = new Float32Array(this.centres.length * 2);
      grown.set(this.centres);
      this.centres = grown;
    }
    this.centres.set(v, index * this.dim);
    return index;
  }

  private async addInitialCentres(initial: { vectors: Float32Array; count: number }): Promise<void> {
    for (let q = 0; q < initial.count; q++) this.storeCentre(initial.vectors.subarray(q * this.dim, (q + 1) * this.dim));
    const { max, argmax } = await this.o.kernel.maxDot(this.scan, this.dim, 0, this.rows, initial.vectors, initial.count);
    this.rowsScanned += this.rows;
    for (let i = 0; i < this.rows; i++) {
      const s = this.rowScale === null ? 1 : this.rowScale[i];
      const d2 = Math.max(0, 2 - 2 * max[i] * s);
      if (d2 < this.minD2[i] || this.nearest[i] < 0) {
        this.minD2[i] = d2;
        this.nearest[i] = argmax[i];
      }
    }
    if (this.o.space.owned && this.centreCount >= this.nextRebuild) this.rebuild();
  }

  private async addCentre(v: Float32Array): Promise<void> {
    const ci = this.storeCentre(v);
    const blocks = this.bStart.length;
    const scanList: number[] = [];
    let scanRows = 0;
    for (let b = 0; b < blocks; b++) {
      if (this.bMaxD2[b] <= 0) continue; // no live row left that could get closer
      const z = this.bCentre[b];
      if (z >= 0) {
        let dot = 0;
        const zb = z * this.dim;
        for (let j = 0; j < this.dim; j++) dot += v[j] * this.centres[zb + j];
        const dz = Math.sqrt(Math.max(0, 2 - 2 * dot));
        if (dz - this.bBound[b] > PRUNE_SLACK) continue;
      }
      scanList.push(b);
      scanRows += this.bEnd[b] - this.bStart[b];
    }
    if (scanRows === 0) return;
    // One full scan when it pays: a fast kernel and most rows to visit, or (js) every block to visit anyway.
    const fullScan = this.o.kernel.name === 'js' ? scanList.length === blocks : scanRows > this.rows * FULL_SCAN_FRACTION;
    if (fullScan) {
      const k0 = performance.now();
      const dots = await this.o.kernel.matVec(this.scan, this.dim, 0, this.rows, v);
      this.kernelMs += performance.now() - k0;
      this.fullScans++;
      this.rowsScanned += this.rows;
      for (const b of scanList) this.updateBlock(b, dots, 0, ci);
    } else {
      for (const b of scanList) {
        matVecInto(this.scan, this.dim, this.bStart[b], this.bEnd[b], v, this.dots);
        this.rowsScanned += this.bEnd[b] - this.bStart[b];
        this.updateBlock(b, this.dots, this.bStart[b], ci);
      }
    }
    if (this.o.space.owned && this.centreCount >= this.nextRebuild) this.rebuild();
  }

  /** Applies the new centre's dot products to one block's rows (`dots[i − offset]`) and refreshes the block. */
  private updateBlock(b: number, dots: Float32Array, offset: number, ci: number): void {
    this.refreshBlock(b, dots, offset, ci);
  }

  /**
   * Recomputes a block's best row per category, largest d² and pruning bound; with `dots`, first lowers each row's
   * distance by the new centre in the same pass (one read of the block's state per pick, not two).
   */
  private refreshBlock(b: number, dots?: Float32Array, offset = 0, ci = -1): void {
    const C = this.categories;
    const base = b * C;
    const tie = this.o.tieRank;
    const { minD2, nearest, key, alive, rowScale, cand, d0, pure } = this;
    for (let c = 0; c < C; c++) {
      this.bBestKey[base + c] = -Infinity;
      this.bBestRow[base + c] = -1;
    }
    let maxD2 = 0;
    let bound = 0;
    const pruned = this.bCentre[b] >= 0;
    const end = this.bEnd[b];
    let bestKey = -Infinity;
    let bestRow = -1;
    for (let i = this.bStart[b]; i < end; i++) {
      if (!alive[i]) continue;
      let m = minD2[i];
      if (dots !== undefined) {
        let d2 = 2 - 2 * dots[i - offset] * (rowScale === null ? 1 : rowScale[i]);
        if (d2 < 0) d2 = 0;
        if (d2 < m || nearest[i] < 0) {
          m = minD2[i] = d2;
          nearest[i] = ci;
          key[i] = pure ? d2 : this.keyOf(i);
        }
      }
      if (m > maxD2) maxD2 = m;
      if (pruned) {
        const reach = d0[i] + Math.sqrt(m);
        if (reach > bound) bound = reach;
      }
      const k = key[i];
      if (C === 1) {
        if (bestRow < 0 || k > bestKey || (k === bestKey && tie[cand[i]] < tie[cand[bestRow]])) {
          bestKey = k;
          bestRow = i;
        }
        continue;
      }
      const slot = base + this.categoryOfRow(i);
      const best = this.bBestRow[slot];
      if (best < 0 || k > this.bBestKey[slot] || (k === this.bBestKey[slot] && tie[cand[i]] < tie[cand[best]])) {
        this.bBestKey[slot] = k;
        this.bBestRow[slot] = i;
      }
    }
    if (C === 1) {
      this.bBestKey[base] = bestKey;
      this.bBestRow[base] = bestRow;
    }
    this.bMaxD2[b] = maxD2;
    this.bBound[b] = pruned ? bound : Infinity;
  }

  private argmax(): number {
    const C = this.categories;
    const tie = this.o.tieRank;
    let bestRow = -1;
    let bestScore = -Infinity;
    for (let s = 0; s < this.bBestRow.length; s++) {
      const r = this.bBestRow[s];
      if (r < 0) continue;
      const score = this.bBestKey[s] + this.balLog[s % C];
      if (bestRow < 0 || score > bestScore || (score === bestScore && tie[this.cand[r]] < tie[this.cand[bestRow]])) {
        bestScore = score;
        bestRow = r;
      }
    }
    return bestRow;
  }

  private maxD2(): number {
    let m = 0;
    for (let b = 0; b < this.bMaxD2.length; b++) if (this.bMaxD2[b] > m) m = this.bMaxD2[b];
    return m;
  }

  private setBlocks(starts: number[], ends: number[], centres: number[]): void {
    const B = starts.length;
    this.bStart = Int32Array.from(starts);
    this.bEnd = Int32Array.from(ends);
    this.bCentre = Int32Array.from(centres);
    this.bBound = new Float64Array(B).fill(Infinity);
    this.bMaxD2 = new Float64Array(B);
    this.bBestKey = new Float64Array(B * this.categories);
    this.bBestRow = new Int32Array(B * this.categories);
  }

  private setSingleBlock(): void {
    this.setBlocks([0], [this.rows], [-1]);
  }

  /** Regroups the rows into the cells of the current centres (counting sort on the nearest centre). */
  private rebuild(): void {
    this.nextRebuild = this.centreCount * 2;
    const K = this.centreCount;
    const counts = new Int32Array(K + 2);
    // Slot 0 holds rows without a centre yet; slot c + 1 holds centre c's cell.
    for (let i = 0; i < this.rows; i++) counts[this.nearest[i] + 2]++;
    for (let c = 1; c < counts.length; c++) counts[c] += counts[c - 1];
    const order = new Int32Array(this.rows);
    for (let i = 0; i < this.rows; i++) order[counts[this.nearest[i] + 1]++] = i;
    const dim = this.dim;
    const scan = new Float32Array(this.rows * dim);
    const minD2 = new Float32Array(this.rows);
    const nearest = new Int32Array(this.rows);
    const key = new Float64Array(this.rows);
    const alive = new Uint8Array(this.rows);
    const cand = new Int32Array(this.rows);
    for (let n = 0; n < this.rows; n++) {
      const i = order[n];
      scan.set(this.scan.subarray(i * dim, (i + 1) * dim), n * dim);
      minD2[n] = this.minD2[i];
      nearest[n] = this.nearest[i];
      key[n] = this.key[i];
      alive[n] = this.alive[i];
      cand[n] = this.cand[i];
    }
    const d0 = Float32Array.from(minD2, (d2) => Math.sqrt(d2));
    Object.assign(this, { scan, minD2, nearest, key, alive, cand, d0 });
    this.o.space.scan = scan;
    this.o.space.candidateOf = cand;
    const starts: number[] = [];
    const ends: number[] = [];
    const centres: number[] = [];
    let n = 0;
    while (n < this.rows) {
      const c = nearest[n];
      const start = n;
      while (n < this.rows && nearest[n] === c) n++;
      starts.push(start);
      ends.push(n);
      centres.push(c);
    }
    this.setBlocks(starts, ends, centres);
    for (let b = 0; b < starts.length; b++) this.refreshBlock(b);
  }

  private tail(): GreedyResult['tail'] {
    const rows: number[] = [];
    for (let i = 0; i < this.rows; i++) if (this.alive[i]) rows.push(i);
    const score = new Float64Array(this.rows);
    for (const i of rows) score[i] = this.pure ? this.halfA * Math.log(this.minD2[i]) : this.key[i] + this.balLog[this.categoryOfRow(i)];
    const tie = this.o.tieRank;
    rows.sort((a, b) => score[b] - score[a] || tie[this.cand[a]] - tie[this.cand[b]]);
    const n = rows.length;
    const out = {
      candidate: new Int32Array(n),
      logScore: new Float64Array(n),
      distance: new Float32Array(n),
      nearestCentre: new Int32Array(n),
    };
    rows.forEach((i, k) => {
      out.candidate[k] = this.cand[i];
      out.logScore[k] = score[i];
      out.distance[k] = Math.sqrt(this.minD2[i]);
      out.nearestCentre[k] = this.nearest[i];
    });
    return out;
  }
}
