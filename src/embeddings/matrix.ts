/**
 * Embeddings held in memory for the selection engine: one contiguous row-major Float32Array, so a distance scan
 * is one sequential read (and can be shared with worker threads without copying).
 *
 * Example: 3 samples of dimension 2 → `{ fileNames: ['a.jpg','b.jpg','c.jpg'], labels: Int32Array[0,0,1], dim: 2,
 * data: Float32Array[a0,a1,b0,b1,c0,c1] }`.
 */
export interface EmbeddingMatrix {
  /** File names relative to the dataset root, in row order. */
  fileNames: string[];
  /** Integer label per row (lightly writes 0 when there is none). */
  labels: Int32Array;
  /** Embedding dimension D. */
  dim: number;
  /** N × D values, row-major. */
  data: Float32Array;
}
