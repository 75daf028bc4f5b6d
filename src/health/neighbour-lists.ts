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
