/**
 * Nearest neighbours of every row (itself excluded), as cosine similarities, `k` per row, best first.
 * A row with fewer than `k` neighbours (a tiny dataset) pads with index −1 and similarity −Infinity.
 */
export interface NeighbourLists {
  k: number;
  /** n × k row indices. */
  indices: Int32Array;
  /** n × k cosine similarities (1 = same direction). */
  similarities: Float32Array;
  method: 'exact' | 'ann';
}

/**
 * Offers `index` at `similarity` to `row`'s list, which stays sorted best first (empty places hold −Infinity, so they
 * fill first); a candidate no better than the list's last is ignored. A row's list is k entries, so the shift is short.
 */
export function offerNeighbour(lists: NeighbourLists, row: number, index: number, similarity: number): void {
  const { k, indices, similarities } = lists;
  const out = row * k;
  if (!(similarity > similarities[out + k - 1])) return;
  let at = k - 1;
  while (at > 0 && similarities[out + at - 1] < similarity) {
    similarities[out + at] = similarities[out + at - 1];
    indices[out + at] = indices[out + at - 1];
    at--;
  }
  similarities[out + at] = similarity;
  indices[out + at] = index;
}
