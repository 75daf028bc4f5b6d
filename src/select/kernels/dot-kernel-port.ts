/**
 * The one numeric port of the selection engine: dot products of matrix rows with one or a few vectors. Every
 * distance the engine needs reduces to these on L2-normalised rows (|x − c|² = 2 − 2·x·c), so the k-center loop
 * is one matrix–vector product per pick and the backend decides how fast that read of the matrix is.
 *
 * Rows are addressed as `[start, end)` of a row-major Float32Array with `dim` columns; views are passed, never copies.
 */
export interface DotKernel {
  /** `js` (deterministic on every machine, one thread) or `onnxruntime` (MLAS BLAS on every core). */
  readonly name: 'js' | 'onnxruntime';
  /** `out[i] = row(start + i) · vector`; the array may be reused by the next call, so consume it first. */
  matVec(matrix: Float32Array, dim: number, start: number, end: number, vector: Float32Array): Promise<Float32Array>;
  /** Per row, the largest dot product with any of `count` query rows (row-major in `queries`) and which one it was. */
  maxDot(
    matrix: Float32Array,
    dim: number,
    start: number,
    end: number,
    queries: Float32Array,
    count: number,
  ): Promise<{ max: Float32Array; argmax: Int32Array }>;
  /** Squared L2 norm of each row: NaN or ±Infinity in a row shows up as a non-finite value here. */
  sumSquares(matrix: Float32Array, dim: number, start: number, end: number): Promise<Float32Array>;
  /** Rows times a `dim × outDim` projection matrix: `(end − start) × outDim`, row-major. */
  project(matrix: Float32Array, dim: number, start: number, end: number, projection: Float32Array, outDim: number): Promise<Float32Array>;
  dispose(): Promise<void>;
}

/** Which backend to use: `auto` picks onnxruntime once a scan is big enough to repay its per-call overhead. */
export type KernelChoice = 'auto' | 'js' | 'onnxruntime';
