import { measureProgress, type ProgressCallback } from '../progress';
import type { DotKernel } from './kernels/dot-kernel';
import type { Neighbourhoods } from './neighbourhoods';

/**
 * COVERAGE: greedy kernel herding (MaxHerding, Bae et al. 2024). The selection S maximises
 * F(S) = Σᵤ maxₛ∈S k(u, s) over the references u (every candidate, or a seeded sample of them), with a Gaussian
 * kernel k = exp(−|u − s|²/2σ²) whose width σ comes from the data (see {@link buildNeighbourhoods}). A pick's gain
 * is Σᵤ max(0, k(u, c) − mᵤ), where mᵤ is how well u is covered already (by earlier picks and preselected samples):
 * a dense region not yet covered gains most, an outlier or a region already covered gains little. Combined with
 * static objectives by the product rule: score = gain^strength · Π factorᵢ^strengthᵢ.
 *
 * F is monotone submodular, so gains only fall as picks are added: the loop picks lazily (CELF), keeping stale gains
 * as upper bounds in a heap and recomputing only the top until it stays on top. Each pick depends only on earlier
 * picks, so the picks form one ranking whose every prefix is the selection of that size.
 */

export interface HerdingOptions {
  kernel: DotKernel;
  hoods: Neighbourhoods;
  candidates: number;
  /** Exponent of the gain in the product. */
  strength: number;
  /** Σ strength·log(factor) of the static objectives per candidate, or null. */
  logStatic: Float64Array | null;
  tieRank: Int32Array;
  /** Candidates that may not be picked (already picked elsewhere); may be null. */
  excluded?: Uint8Array | null;
  /** Unit vectors (density space) of samples that cover from the start: preselected samples, a datapool. */
  initial?: { vectors: Float32Array; count: number };
  /** Picks to make at most. */
  limit: number;
  /** Hand over (stop with `handOver`) after this many picks. */
  handOverPicks?: number;
  /**
   * Stop before this pick once the references are covered this well on average (mean of mᵤ, 0–1): the hand-over
   * point of the default strategy. Undefined: only `limit` stops.
   */
  handOverAt?: number;
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
}

export interface HerdingPick {
  candidate: number;
  /** Coverage gain on the references. */
  gain: number;
  /** The gain in samples (gain × candidates per reference): how many samples this pick newly covers, kernel-weighted. */
  covered: number;
  logScore: number;
}

export interface HerdingResult {
  picks: HerdingPick[];
  /** Mean coverage of the references after the picks (0–1). */
  meanCoverage: number;
  /** Why the loop stopped. */
  stoppedBy: 'limit' | 'handOver' | 'exhausted';
  /** The candidates not picked, best first by their last known (upper-bound) score, with that score and gain. */
  tail: { candidate: Int32Array; logScore: Float64Array; gain: Float64Array };
  evaluations: number;
  seconds: number;
}

/**
 * COVERAGE + DIVERSITY hands over to DIVERSITY after this many picks per reference (R/4): past it the reference
 * sample is too coarse to tell candidates apart (with every candidate a reference, that is a quarter of the set —
 * beyond any labeling budget; with 4,096 sampled references, 1,024 picks). A mean coverage (`handOverCoverage`)
 * hands over earlier. bench/quality measured earlier hand-overs (mean coverage 0.5 or 0.7, with typicality weights)
 * and found herding alone better up to 10 % of the set on every dataset.
 */
export const HAND_OVER_PICKS_PER_REFERENCE = 0.25;
const PROGRESS_INTERVAL_MS = 250;
/**
 * Stale candidates refreshed together: the top of the heap is refreshed in one matrix product of this many rows
 * (the pick rule is unchanged — a candidate is picked only when its fresh gain leads every upper bound — so the picks
 * are the same as refreshing one at a time, at a fraction of the calls when the kernel is wide and many bounds fall).
 */
const REFRESH_BATCH = 64;
/** Gains below this (in references) count as zero: nothing left to cover. */
const MIN_GAIN = 1e-9;

export async function runHerding(o: HerdingOptions): Promise<HerdingResult> {
  const started = performance.now();
  const startedAt = Date.now();
  const { hoods, kernel } = o;
  const M = o.candidates;
  const R = hoods.referenceCount;
  const inv2s2 = 1 / (2 * hoods.kernelWidth * hoods.kernelWidth);
  const covered = new Float64Array(R);
  let coveredSum = 0;
  if (o.initial !== undefined && o.initial.count > 0) {
    const { max } = await kernel.maxDot(hoods.references, hoods.dim, 0, R, o.initial.vectors, o.initial.count);
    for (let u = 0; u < R; u++) {
      covered[u] = kernelOf(max[u], inv2s2);
      coveredSum += covered[u];
    }
  }
  const gain = Float64Array.from(hoods.mass);
  // Exact only where initial coverage is zero; otherwise an upper bound, refreshed when the candidate reaches the top.
  const fresh = new Int32Array(M).fill(o.initial !== undefined && o.initial.count > 0 ? -1 : 0);
  const score = new Float64Array(M);
  const scoreOf = (c: number) => o.strength * Math.log(Math.max(gain[c], MIN_GAIN)) + (o.logStatic === null ? 0 : o.logStatic[c]);
  const heap = new Int32Array(M);
  let size = 0;
  for (const c of hoods.pool) {
    if (o.excluded?.[c]) continue;
    score[c] = scoreOf(c);
    heap[size++] = c;
  }
  const above = (a: number, b: number) => score[a] > score[b] || (score[a] === score[b] && o.tieRank[a] < o.tieRank[b]);
  const siftDown = (h: number) => {
    const row = heap[h];
    for (;;) {
      let child = 2 * h + 1;
      if (child >= size) break;
      if (child + 1 < size && above(heap[child + 1], heap[child])) child++;
      if (!above(heap[child], row)) break;
      heap[h] = heap[child];
      h = child;
    }
    heap[h] = row;
  };
  for (let h = (size >> 1) - 1; h >= 0; h--) siftDown(h);
  const siftUp = (h: number) => {
    const row = heap[h];
    while (h > 0) {
      const parent = (h - 1) >> 1;
      if (!above(row, heap[parent])) break;
      heap[h] = heap[parent];
      h = parent;
    }
    heap[h] = row;
  };
  const popTop = () => {
    const top = heap[0];
    heap[0] = heap[--size];
    if (size > 0) siftDown(0);
    return top;
  };

  const picks: HerdingPick[] = [];
  let stoppedBy: HerdingResult['stoppedBy'] = 'exhausted';
  let evaluations = 0;
  let lastProgress = Date.now();
  while (size > 0) {
    if (picks.length >= o.limit) {
      stoppedBy = 'limit';
      break;
    }
    if (o.handOverPicks !== undefined && picks.length >= o.handOverPicks) {
      stoppedBy = 'handOver';
      break;
    }
    if (o.handOverAt !== undefined && coveredSum / R >= o.handOverAt) {
      stoppedBy = 'handOver';
      break;
    }
    o.signal?.throwIfAborted();
    const c = heap[0];
    if (fresh[c] !== picks.length) {
      // Stale: recompute the gains of the stale candidates on top against the coverage after the latest pick, and
      // put them back where they now belong.
      const batch: number[] = [];
      while (size > 0 && batch.length < REFRESH_BATCH && fresh[heap[0]] !== picks.length) batch.push(popTop());
      const rows = await hoods.kernelRows(batch);
      batch.forEach((b, k) => {
        let g = 0;
        for (let u = 0, at = k * R; u < R; u++, at++) if (rows[at] > covered[u]) g += rows[at] - covered[u];
        evaluations++;
        gain[b] = g;
        score[b] = scoreOf(b);
        fresh[b] = picks.length;
        heap[size] = b;
        siftUp(size++);
      });
      continue;
    }
    // c is on top with an exact gain: no other candidate's upper bound beats it.
    const row = await hoods.kernelRow(c);
    for (let u = 0; u < R; u++) {
      if (row[u] > covered[u]) {
        coveredSum += row[u] - covered[u];
        covered[u] = row[u];
      }
    }
    picks.push({ candidate: c, gain: gain[c], covered: gain[c] * hoods.samplesPerReference, logScore: score[c] });
    heap[0] = heap[--size];
    if (size > 0) siftDown(0);
    const now = Date.now();
    if (o.onProgress !== undefined && now - lastProgress >= PROGRESS_INTERVAL_MS) {
      lastProgress = now;
      o.onProgress(measureProgress(picks.length, o.limit, startedAt, now));
    }
  }
  const rest = Array.from(heap.subarray(0, size)).sort((a, b) => score[b] - score[a] || o.tieRank[a] - o.tieRank[b]);
  return {
    picks,
    meanCoverage: R === 0 ? 0 : coveredSum / R,
    stoppedBy,
    tail: {
      candidate: Int32Array.from(rest),
      logScore: Float64Array.from(rest, (c) => score[c]),
      gain: Float64Array.from(rest, (c) => gain[c]),
    },
    evaluations,
    seconds: (performance.now() - started) / 1000,
  };
}

function kernelOf(dot: number, inv2s2: number): number {
  const d2 = 2 - 2 * dot;
  return Math.exp(-(d2 > 0 ? d2 : 0) * inv2s2);
}
