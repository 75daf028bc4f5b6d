import { hammingDistance, type ImageMeasures } from './measures';
import type { NeighbourLists } from './neighbours';

/** Which copy of a duplicate group to keep. */
export const KEEPER_RULES = ['largest', 'sharpest', 'earliest'] as const;
export type KeeperRule = (typeof KEEPER_RULES)[number];

export interface DuplicateGroup {
  /** `exact`: same bytes or same decoded pixels; `near`: embeddings at least `threshold` alike. */
  kind: 'exact' | 'near';
  /** Member file names, keeper first, then in dataset order. */
  files: string[];
  keeper: string;
  /** Lowest similarity on the edges that joined the group (1 for exact groups). */
  minSimilarity: number;
}

/**
 * Groups byte-identical files (same SHA-256), then files whose decoded pixels are identical (same picture, another
 * lossless encoding). Only groups of two or more are returned.
 */
export function exactDuplicateGroups(fileNames: readonly string[], measures: ReadonlyMap<string, ImageMeasures>, keeper: KeeperRule): DuplicateGroup[] {
  const sets = new UnionFind(fileNames.length);
  const firstBy = new Map<string, number>();
  const join = (key: string, i: number) => {
    const first = firstBy.get(key);
    if (first === undefined) firstBy.set(key, i);
    else sets.union(first, i);
  };
  fileNames.forEach((name, i) => {
    const m = measures.get(name);
    if (m === undefined) return;
    join(`b:${m.sha256}`, i);
    if (m.pixelHash !== '') join(`p:${m.pixelHash}`, i);
  });
  return sets.groups().map((rows) => makeGroup('exact', rows, fileNames, measures, keeper, 1));
}

/** Most bits of 64 in which two difference hashes may differ for the pictures to count as the same layout. */
export const LAYOUT_MAX_BITS = 12;

/** When two rows are near duplicates: see `nearDuplicateGroups`. */
export interface NearRule {
  /** Embedding similarity that alone makes two images near duplicates. */
  threshold: number;
  /** Lower similarity that suffices when the difference hashes agree (same layout). */
  layoutThreshold: number;
}

/**
 * Whether rows `a` and `b`, `similarity` alike, are near duplicates: at least `threshold` alike, or at least
 * `layoutThreshold` alike with difference hashes at most LAYOUT_MAX_BITS apart. The embedding alone cannot tell a
 * re-encoded copy (0.88 alike on bench/health) from another picture of the same subject (up to 0.93 there); the
 * layout hash can (≤ 9 bits for re-encoded, resized and cropped copies, ≥ 23 for those other pictures).
 */
export function isNearPair(
  similarity: number,
  a: string,
  b: string,
  measures: ReadonlyMap<string, ImageMeasures>,
  rule: NearRule,
): boolean {
  if (similarity >= rule.threshold) return true;
  if (!(similarity >= rule.layoutThreshold)) return false;
  const ha = measures.get(a)?.dHash;
  const hb = measures.get(b)?.dHash;
  return ha !== undefined && hb !== undefined && ha.length === 16 && hb.length === 16 && hammingDistance(ha, hb) <= LAYOUT_MAX_BITS;
}

/**
 * Connected components of the graph whose edges join near-duplicate rows (`isNearPair`), from each row's
 * nearest-neighbour list. Components, not cliques: A≈B and B≈C put A, B, C in one group, as fastdup's connected
 * components do, so a chain of re-encodings stays one group.
 */
export function nearDuplicateGroups(
  fileNames: readonly string[],
  lists: NeighbourLists,
  rule: NearRule,
  measures: ReadonlyMap<string, ImageMeasures>,
  keeper: KeeperRule,
): DuplicateGroup[] {
  const n = fileNames.length;
  const sets = new UnionFind(n);
  const weakest = new Float32Array(n).fill(1);
  const { k, indices, similarities } = lists;
  for (let row = 0; row < n; row++) {
    for (let j = 0; j < k; j++) {
      const s = similarities[row * k + j];
      if (!(s >= Math.min(rule.threshold, rule.layoutThreshold))) break;
      const other = indices[row * k + j];
      if (other < 0) break;
      if (!isNearPair(s, fileNames[row], fileNames[other], measures, rule)) continue;
      sets.union(row, other);
      weakest[row] = Math.min(weakest[row], s);
      weakest[other] = Math.min(weakest[other], s);
    }
  }
  return sets.groups().map((rows) => {
    let min = 1;
    for (const r of rows) min = Math.min(min, weakest[r]);
    return makeGroup('near', rows, fileNames, measures, keeper, Math.round(min * 10_000) / 10_000);
  });
}

function makeGroup(
  kind: DuplicateGroup['kind'],
  rows: number[],
  fileNames: readonly string[],
  measures: ReadonlyMap<string, ImageMeasures>,
  rule: KeeperRule,
  minSimilarity: number,
): DuplicateGroup {
  const best = rows.reduce((a, b) => (better(b, a, fileNames, measures, rule) ? b : a));
  const files = [fileNames[best], ...rows.filter((r) => r !== best).map((r) => fileNames[r])];
  return { kind, files, keeper: fileNames[best], minSimilarity };
}

/**
 * Whether row `a` makes a better keeper than row `b`. `largest`: more pixels, then more bytes; `sharpest`: higher
 * Laplacian variance; ties (and missing measures) fall through to the other rule and finally to dataset order.
 */
function better(a: number, b: number, fileNames: readonly string[], measures: ReadonlyMap<string, ImageMeasures>, rule: KeeperRule): boolean {
  if (rule !== 'earliest') {
    const ma = measures.get(fileNames[a]);
    const mb = measures.get(fileNames[b]);
    if (ma && mb) {
      const area = ma.width * ma.height - mb.width * mb.height;
      const sharp = ma.sharpness - mb.sharpness;
      const order = rule === 'largest' ? [area, sharp, ma.sizeInBytes - mb.sizeInBytes] : [sharp, area, ma.sizeInBytes - mb.sizeInBytes];
      for (const d of order) if (d !== 0) return d > 0;
    }
  }
  return a < b;
}

/** Disjoint sets over 0…n−1 with path halving and union by size. */
export class UnionFind {
  private readonly parent: Int32Array;
  private readonly size: Int32Array;

  constructor(n: number) {
    this.parent = new Int32Array(n);
    for (let i = 0; i < n; i++) this.parent[i] = i;
    this.size = new Int32Array(n).fill(1);
  }

  find(x: number): number {
    const p = this.parent;
    while (p[x] !== x) {
      p[x] = p[p[x]];
      x = p[x];
    }
    return x;
  }

  union(a: number, b: number): void {
    let ra = this.find(a);
    let rb = this.find(b);
    if (ra === rb) return;
    if (this.size[ra] < this.size[rb]) [ra, rb] = [rb, ra];
    this.parent[rb] = ra;
    this.size[ra] += this.size[rb];
  }

  /** Sets of two or more members, each in ascending order, ordered by their first member. */
  groups(): number[][] {
    const byRoot = new Map<number, number[]>();
    for (let i = 0; i < this.parent.length; i++) {
      const r = this.find(i);
      if (this.size[r] < 2) continue;
      let g = byRoot.get(r);
      if (g === undefined) byRoot.set(r, (g = []));
      g.push(i);
    }
    return [...byRoot.values()].sort((a, b) => a[0] - b[0]);
  }
}
