import { createHash } from 'node:crypto';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { InvalidConfigError, InvalidInputError } from '../errors';
import { measureProgress, type Progress } from '../progress';
import { createDotKernel, type DotKernel, type KernelChoice } from '../select/kernels/dot-kernel';
import { readModelRecord, writeModelRecord } from './model-record';
import { readEmbeddingRows, readEmbeddingsHeader } from './reader';
import { writeEmbeddingsFile } from './writer';

/** Principal components kept by default: bench/embed-quality measured 256 of EfficientNet-Lite0's 1,280. */
export const DEFAULT_WHITEN_COMPONENTS = 256;
/**
 * Default shrinkage, in units of the kept components' mean variance. Plain whitening (0) blows up the weakest
 * components, which kNN-10 tolerates but 1-NN from one or five examples does not; bench/embed-quality measured 3, 6, 10
 * and 30, and 10 kept most of the kNN gain without the few-shot loss on the digit sets.
 */
export const DEFAULT_WHITEN_SHRINKAGE = 10;
/** Rows per covariance block: one `dim × rows` by `rows × dim` product per block (MLAS on every core above 128 dims). */
const BLOCK_ROWS = 256;
/** Components whose variance is below this fraction of the largest are numerical noise (rank-deficient data): dropped. */
const RANK_TOLERANCE = 1e-6;

/** Mean and covariance (divided by rows − 1, as scikit-learn's PCA) of the rows added so far. */
export interface Covariance {
  rows: number;
  dim: number;
  mean: Float64Array;
  /** `dim × dim`, row-major. */
  covariance: Float64Array;
}

/**
 * Accumulates mean and covariance one row at a time in bounded memory (a `dim × dim` sum and one block of rows).
 * Rows are shifted by the first block's mean before their products are summed, so the final `Σxxᵀ − n·x̄x̄ᵀ` does not
 * cancel away the small variances of rows that share a large common direction (L2-normalised embeddings do).
 */
export class CovarianceAccumulator {
  private readonly block: Float32Array;
  private readonly transposed: Float32Array;
  private readonly sum: Float64Array;
  private readonly products: Float64Array;
  private shift: Float32Array | undefined;
  private filled = 0;
  private count = 0;

  constructor(
    readonly dim: number,
    private readonly kernel: DotKernel,
  ) {
    this.block = new Float32Array(BLOCK_ROWS * dim);
    this.transposed = new Float32Array(BLOCK_ROWS * dim);
    this.sum = new Float64Array(dim);
    this.products = new Float64Array(dim * dim);
  }

  get rows(): number {
    return this.count;
  }

  async add(row: ArrayLike<number>): Promise<void> {
    this.block.set(row, this.filled * this.dim);
    this.filled++;
    this.count++;
    if (this.filled === BLOCK_ROWS) await this.flush();
  }

  async finish(): Promise<Covariance> {
    await this.flush();
    const { dim, count } = this;
    const shift = this.shift ?? new Float32Array(dim);
    const shiftedMean = Float64Array.from(this.sum, (s) => (count > 0 ? s / count : 0));
    const covariance = new Float64Array(dim * dim);
    const denominator = Math.max(count - 1, 1);
    for (let i = 0; i < dim; i++) {
      for (let j = 0; j < dim; j++) {
        covariance[i * dim + j] = (this.products[i * dim + j] - count * shiftedMean[i] * shiftedMean[j]) / denominator;
      }
    }
    return { rows: count, dim, mean: Float64Array.from(shiftedMean, (m, i) => m + shift[i]), covariance };
  }

  private async flush(): Promise<void> {
    const { dim, filled: rows } = this;
    if (rows === 0) return;
    if (this.shift === undefined) {
      const mean = new Float64Array(dim);
      for (let r = 0; r < rows; r++) for (let i = 0; i < dim; i++) mean[i] += this.block[r * dim + i];
      this.shift = Float32Array.from(mean, (m) => m / rows);
    }
    const block = this.block.subarray(0, rows * dim);
    for (let r = 0; r < rows; r++) {
      for (let i = 0; i < dim; i++) {
        const value = block[r * dim + i] - this.shift[i];
        block[r * dim + i] = value;
        this.sum[i] += value;
        this.transposed[i * rows + r] = value;
      }
    }
    // Xᵀ·X as "the dim rows of Xᵀ times the rows × dim matrix X": the kernel's projection product.
    const gram = await this.kernel.project(this.transposed, rows, 0, dim, block, dim);
    for (let k = 0; k < gram.length; k++) this.products[k] += gram[k];
    this.filled = 0;
  }
}

/** A whitening fitted on one dataset: `y = (x − mean) · projection`, `projection` is `dim × components`, row-major. */
export interface Whitening {
  dim: number;
  components: number;
  shrinkage: number;
  mean: Float32Array;
  projection: Float32Array;
  /** Variance of the data along each kept principal axis, largest first. */
  variances: Float64Array;
}

/**
 * PCA-whitening with shrinkage from a covariance: the `components` principal axes with the largest variance λ, each
 * scaled by 1/√(λ + shrinkage × mean λ of the kept axes). With shrinkage 0 and every axis kept the output's covariance
 * is the identity; with shrinkage s an axis keeps variance λ/(λ + s·λ̄), so weak axes are damped instead of blown up.
 * The eigendecomposition is ml-matrix's symmetric one (Householder tridiagonalisation + QL, ~13 s at 1,280 dims).
 */
export function fitWhitening(stats: Covariance, options: { components: number; shrinkage: number }): Whitening {
  const { dim } = stats;
  const decomposition = new EigenvalueDecomposition(Matrix.from1DArray(dim, dim, stats.covariance), { assumeSymmetric: true });
  const eigenvalues = decomposition.realEigenvalues;
  const order = eigenvalues.map((_, i) => i).sort((a, b) => eigenvalues[b] - eigenvalues[a]);
  const largest = Math.max(eigenvalues[order[0]], 0);
  const kept = order.filter((i) => eigenvalues[i] > largest * RANK_TOLERANCE).slice(0, options.components);
  if (kept.length === 0) throw new InvalidConfigError('cannot whiten: every row is the same vector (no variance to fit)');
  const variances = Float64Array.from(kept, (i) => eigenvalues[i]);
  const floor = options.shrinkage * (variances.reduce((a, b) => a + b, 0) / variances.length);
  const vectors = decomposition.eigenvectorMatrix;
  const projection = new Float32Array(dim * kept.length);
  kept.forEach((axis, o) => {
    const scale = 1 / Math.sqrt(variances[o] + floor);
    for (let j = 0; j < dim; j++) projection[j * kept.length + o] = vectors.get(j, axis) * scale;
  });
  return { dim, components: kept.length, shrinkage: options.shrinkage, mean: Float32Array.from(stats.mean), projection, variances };
}

/** The first `rows` row-major vectors of `block`, whitened: `rows × components`, row-major, not normalised. */
export async function applyWhitening(kernel: DotKernel, whitening: Whitening, block: Float32Array, rows: number): Promise<Float32Array> {
  const { dim, mean } = whitening;
  const centered = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) for (let i = 0; i < dim; i++) centered[r * dim + i] = block[r * dim + i] - mean[i];
  return kernel.project(centered, dim, 0, rows, whitening.projection, whitening.components);
}

/** Short fingerprint of a fitted whitening: two separately fitted whitenings give incomparable vectors. */
function fingerprint(whitening: Whitening): string {
  const hash = createHash('sha256');
  hash.update(Buffer.from(whitening.mean.buffer, whitening.mean.byteOffset, whitening.mean.byteLength));
  hash.update(Buffer.from(whitening.projection.buffer, whitening.projection.byteOffset, whitening.projection.byteLength));
  return hash.digest('hex').slice(0, 8);
}

/** The model id of whitened embeddings: the input's model, the settings and the fit, e.g. `…+whiten(k=256,s=10,fit=3fa2c1d0)`. */
export function whitenedModelId(model: string | undefined, whitening: Whitening): string {
  return `${model ?? 'unrecorded'}+whiten(k=${whitening.components},s=${whitening.shrinkage},fit=${fingerprint(whitening)})`;
}

export interface WhitenOptions {
  /** Principal components kept (default 256; fewer when the data has fewer rows or a lower rank). */
  components?: number;
  /** Shrinkage in units of the kept components' mean variance (default 10; 0 = plain PCA-whitening). */
  shrinkage?: number;
  /** Dot-product backend (default `auto`: onnxruntime from 128 dimensions). */
  kernel?: KernelChoice;
  signal?: AbortSignal;
  /** Rows read, per pass: `covariance` (total unknown) then `whiten` (total known). */
  onProgress?: (pass: 'covariance' | 'whiten', progress: Progress) => void;
}

export interface WhitenResult {
  rows: number;
  /** Input dimensions. */
  dim: number;
  /** Output dimensions: the principal components kept. */
  components: number;
  shrinkage: number;
  /** The output's model record. */
  model: string;
}

function unitRow(row: Float32Array): Float32Array {
  let norm = 0;
  for (const v of row) norm += v * v;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let i = 0; i < row.length; i++) row[i] /= norm;
  return row;
}

/**
 * PCA-whitens an embeddings CSV with a fit on the file itself, streaming it twice in bounded memory (pass 1: mean and
 * `dim × dim` covariance; pass 2: project and write). Rows are L2-normalised before the fit (cosine is Winnow's
 * metric; Winnow's own embeddings already are) and the output rows, `components` wide, after it. bench/embed-quality
 * measured it raising kNN on every dataset and, on small grey glyphs, the few-shot and logistic-regression accuracy too,
 * while costing colour photos a little few-shot accuracy — an option, not the default (README, "The default embedding
 * model"). The output's model record says so (`<model>+whiten(k=…,s=…,fit=…)`), so merging or selecting whitened rows
 * with plain ones, or with another fit's, is refused as two models.
 *
 * @example
 * await whitenEmbeddingsFile('embeddings.csv', 'whitened.csv');
 * // { rows: 2000, dim: 1280, components: 256, shrinkage: 10, model: 'efficientnet-lite0@a491…+whiten(k=256,s=10,fit=3fa2c1d0)' }
 */
export async function whitenEmbeddingsFile(input: string, out: string, options: WhitenOptions = {}): Promise<WhitenResult> {
  const components = options.components ?? DEFAULT_WHITEN_COMPONENTS;
  const shrinkage = options.shrinkage ?? DEFAULT_WHITEN_SHRINKAGE;
  if (!Number.isInteger(components) || components < 1) throw new InvalidConfigError(`components must be a positive integer, got ${components}`);
  if (!Number.isFinite(shrinkage) || shrinkage < 0) throw new InvalidConfigError(`shrinkage must be a finite number ≥ 0, got ${shrinkage}`);
  const { dim } = await readEmbeddingsHeader(input);
  const record = await readModelRecord(input);
  const kernel = await createDotKernel(options.kernel ?? 'auto', BLOCK_ROWS * dim * dim);
  try {
    const accumulator = new CovarianceAccumulator(dim, kernel);
    const started = Date.now();
    for await (const row of readEmbeddingRows(input, { signal: options.signal })) {
      await accumulator.add(unitRow(row.embedding));
      if (accumulator.rows % BLOCK_ROWS === 0) options.onProgress?.('covariance', measureProgress(accumulator.rows, undefined, started));
    }
    const stats = await accumulator.finish();
    options.onProgress?.('covariance', measureProgress(stats.rows, undefined, started));
    if (stats.rows < 2) throw new InvalidInputError({ file: input }, `whitening needs at least 2 rows to fit, the file has ${stats.rows}`);
    if (!stats.covariance.some((v, k) => k % (dim + 1) === 0 && v > 0)) {
      throw new InvalidInputError({ file: input }, 'every row points the same way (no variance to fit a whitening on)');
    }
    const whitening = fitWhitening(stats, { components: Math.min(components, stats.rows - 1), shrinkage });
    const model = whitenedModelId(record?.model, whitening);

    await writeEmbeddingsFile(out, { dim: whitening.components }, async (writer) => {
      const block = new Float32Array(BLOCK_ROWS * dim);
      let pending: { fileName: string; label: number }[] = [];
      let written = 0;
      const transformStarted = Date.now();
      const writeBlock = async () => {
        const whitened = await applyWhitening(kernel, whitening, block, pending.length);
        for (let r = 0; r < pending.length; r++) {
          const vector = unitRow(whitened.subarray(r * whitening.components, (r + 1) * whitening.components));
          await writer.write(pending[r].fileName, vector, pending[r].label);
        }
        written += pending.length;
        pending = [];
        options.onProgress?.('whiten', measureProgress(written, stats.rows, transformStarted));
      };
      for await (const row of readEmbeddingRows(input, { signal: options.signal })) {
        block.set(unitRow(row.embedding), pending.length * dim);
        pending.push({ fileName: row.fileName, label: row.label });
        if (pending.length === BLOCK_ROWS) await writeBlock();
      }
      if (pending.length > 0) await writeBlock();
      if (written !== stats.rows) {
        throw new InvalidInputError({ file: input }, `changed while being whitened: ${stats.rows} rows in the first pass, ${written} in the second`);
      }
    });
    await writeModelRecord(out, { model, dim: whitening.components });
    return { rows: stats.rows, dim, components: whitening.components, shrinkage, model };
  } finally {
    await kernel.dispose();
  }
}
