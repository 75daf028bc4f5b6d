import { copyFileSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { loadEmbeddingMatrix, mergeEmbeddingsFiles, readModelRecord, whitenEmbeddingsFile, writeModelRecord } from '../../src/embeddings';
import { CovarianceAccumulator, applyWhitening, fitWhitening } from '../../src/embeddings/whiten';
import { InvalidConfigError, InvalidInputError, WinnowError } from '../../src/errors';
import { JsDotKernel } from '../../src/select/kernels/js-dot-kernel';
import { FIXTURES, tempDir, writeText } from './helpers';

const dir = tempDir('winnow-whiten-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const FIXTURE = path.join(FIXTURES, 'lightly', 'embeddings_1000x32.csv');
const LITE0 = 'efficientnet-lite0@a491eddbb11182f3';

/** Sample covariance (n − 1) of `rows × dim` row-major values. */
function covarianceOf(values: Float32Array, rows: number, dim: number): number[][] {
  const mean = new Array<number>(dim).fill(0);
  for (let r = 0; r < rows; r++) for (let i = 0; i < dim; i++) mean[i] += values[r * dim + i] / rows;
  const out = Array.from({ length: dim }, () => new Array<number>(dim).fill(0));
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < dim; i++) {
      for (let j = 0; j < dim; j++) out[i][j] += ((values[r * dim + i] - mean[i]) * (values[r * dim + j] - mean[j])) / (rows - 1);
    }
  }
  return out;
}

/**
 * Correlated synthetic rows: independent coordinates with variances spread over two orders of magnitude, mixed by a
 * random rotation (Gram–Schmidt of random vectors) and shifted far from the origin, as embeddings of a narrow dataset
 * sit in one cone.
 */
const correlatedRows = fc
  .record({ dim: fc.integer({ min: 2, max: 6 }), rows: fc.integer({ min: 40, max: 600 }), seed: fc.integer() })
  .map(({ dim, rows, seed }) => {
    let state = seed >>> 0;
    const random = () => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return state / 2 ** 32;
    };
    const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    const basis: number[][] = [];
    while (basis.length < dim) {
      const v = Array.from({ length: dim }, gaussian);
      for (const b of basis) {
        const dot = v.reduce((s, x, i) => s + x * b[i], 0);
        for (let i = 0; i < dim; i++) v[i] -= dot * b[i];
      }
      const norm = Math.hypot(...v);
      if (norm > 1e-3) basis.push(v.map((x) => x / norm));
    }
    const scales = Array.from({ length: dim }, (_, i) => 10 ** (-1 + (2 * i) / Math.max(dim - 1, 1)));
    const offset = Array.from({ length: dim }, () => 5 * gaussian());
    const values = new Float32Array(rows * dim);
    for (let r = 0; r < rows; r++) {
      const z = scales.map((s) => s * gaussian());
      for (let j = 0; j < dim; j++) values[r * dim + j] = offset[j] + z.reduce((s, x, i) => s + x * basis[i][j], 0);
    }
    return { dim, rows, values };
  });

async function whiten(values: Float32Array, rows: number, dim: number, shrinkage: number) {
  const kernel = new JsDotKernel();
  const accumulator = new CovarianceAccumulator(dim, kernel);
  for (let r = 0; r < rows; r++) await accumulator.add(values.subarray(r * dim, (r + 1) * dim));
  const whitening = fitWhitening(await accumulator.finish(), { components: dim, shrinkage });
  return { whitening, out: await applyWhitening(kernel, whitening, values, rows) };
}

describe('fitWhitening (pure, synthetic data)', () => {
  it('without shrinkage the whitened rows have the identity as covariance', async () => {
    await fc.assert(
      fc.asyncProperty(correlatedRows, async ({ dim, rows, values }) => {
        const { whitening, out } = await whiten(values, rows, dim, 0);
        expect(whitening.components).toBe(dim);
        const covariance = covarianceOf(out, rows, dim);
        for (let i = 0; i < dim; i++) for (let j = 0; j < dim; j++) expect(covariance[i][j]).toBeCloseTo(i === j ? 1 : 0, 3);
      }),
      { numRuns: 30 },
    );
  });

  it('with shrinkage s each axis keeps variance λ / (λ + s·mean λ), still uncorrelated, strongest axis first', async () => {
    await fc.assert(
      fc.asyncProperty(correlatedRows, fc.double({ min: 0.1, max: 30, noNaN: true }), async ({ dim, rows, values }, shrinkage) => {
        const { whitening, out } = await whiten(values, rows, dim, shrinkage);
        const variances = [...whitening.variances];
        expect(variances).toEqual([...variances].sort((a, b) => b - a));
        const floor = (shrinkage * variances.reduce((a, b) => a + b, 0)) / dim;
        const covariance = covarianceOf(out, rows, dim);
        for (let i = 0; i < dim; i++) {
          for (let j = 0; j < dim; j++) expect(covariance[i][j]).toBeCloseTo(i === j ? variances[i] / (variances[i] + floor) : 0, 3);
        }
      }),
      { numRuns: 30 },
    );
  });

  it('drops the axes of rank-deficient data instead of dividing by zero variance', async () => {
    // Three dimensions, all rows on the plane z = 0.
    const values = Float32Array.from([1, 0, 0, 0, 2, 0, -1, 1, 0, 3, -2, 0, 0, 0, 0]);
    const { whitening, out } = await whiten(values, 5, 3, 0);
    expect(whitening.components).toBe(2);
    expect([...out].every(Number.isFinite)).toBe(true);
  });
});

describe('whitenEmbeddingsFile', () => {
  it('writes unit rows of the kept components with names and labels, the same with the JS and the onnxruntime kernel', async () => {
    const jsOut = path.join(dir, 'js.csv');
    const ortOut = path.join(dir, 'ort.csv');
    const js = await whitenEmbeddingsFile(FIXTURE, jsOut, { components: 16, kernel: 'js' });
    const ort = await whitenEmbeddingsFile(FIXTURE, ortOut, { components: 16, kernel: 'onnxruntime' });
    expect(js).toMatchObject({ rows: 1000, dim: 32, components: 16, shrinkage: 10 });
    expect(ort).toMatchObject({ rows: 1000, dim: 32, components: 16, shrinkage: 10 });
    const input = await loadEmbeddingMatrix(FIXTURE);
    const a = await loadEmbeddingMatrix(jsOut);
    const b = await loadEmbeddingMatrix(ortOut);
    expect(a.dim).toBe(16);
    expect(a.fileNames).toEqual(input.fileNames);
    expect(a.labels).toEqual(input.labels);
    for (let r = 0; r < a.fileNames.length; r++) {
      let dot = 0;
      let norm = 0;
      for (let i = 0; i < 16; i++) {
        dot += a.data[r * 16 + i] * b.data[r * 16 + i];
        norm += a.data[r * 16 + i] ** 2;
      }
      expect(norm).toBeCloseTo(1, 5);
      expect(dot).toBeGreaterThan(0.9999);
    }
  });

  it('records the input model, settings and fit, so whitened rows never mix with plain ones or another fit', async () => {
    const plain = path.join(dir, 'plain.csv');
    copyFileSync(FIXTURE, plain);
    await writeModelRecord(plain, { model: LITE0, dim: 32 });
    const whitened = path.join(dir, 'whitened.csv');
    const result = await whitenEmbeddingsFile(plain, whitened, { components: 32, shrinkage: 10 });
    expect(result.model).toMatch(new RegExp(`^${LITE0}\\+whiten\\(k=32,s=10,fit=[0-9a-f]{8}\\)$`));
    expect(await readModelRecord(whitened)).toEqual({ model: result.model, dim: 32 });

    const error = await mergeEmbeddingsFiles([plain, whitened], path.join(dir, 'never.csv')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WinnowError);
    expect((error as WinnowError).code).toBe('MODEL_MISMATCH');
    expect((error as Error).message).toContain(`${plain} (made by ${LITE0}) with ${whitened} (made by ${result.model})`);

    const otherFit = path.join(dir, 'whitened-s3.csv');
    const other = await whitenEmbeddingsFile(plain, otherFit, { components: 32, shrinkage: 3 });
    await expect(mergeEmbeddingsFiles([whitened, otherFit], path.join(dir, 'never.csv'))).rejects.toThrow(`(made by ${other.model})`);

    // The same fit again is the same model: merging is allowed.
    const again = path.join(dir, 'whitened-again.csv');
    expect((await whitenEmbeddingsFile(plain, again, { components: 32, shrinkage: 10 })).model).toBe(result.model);
  });

  it('marks whitened rows of an unrecorded CSV as such', async () => {
    const out = path.join(dir, 'unrecorded.csv');
    const result = await whitenEmbeddingsFile(FIXTURE, out, { components: 4 });
    expect(result.model).toMatch(/^unrecorded\+whiten\(k=4,s=10,fit=[0-9a-f]{8}\)$/);
    expect(readFileSync(out, 'utf8').split('\r\n')[0]).toBe('filenames,embedding_0,embedding_1,embedding_2,embedding_3,labels');
  });

  it('rejects too few rows, rows without variance and bad settings, naming the file', async () => {
    const one = writeText(dir, 'one.csv', 'filenames,embedding_0,embedding_1,labels\r\na.jpg,1,0,0\r\n');
    await expect(whitenEmbeddingsFile(one, path.join(dir, 'x.csv'))).rejects.toThrow(`${one}: whitening needs at least 2 rows to fit, the file has 1`);
    const same = writeText(dir, 'same.csv', 'filenames,embedding_0,embedding_1,labels\r\na.jpg,1,0,0\r\nb.jpg,2,0,0\r\n');
    await expect(whitenEmbeddingsFile(same, path.join(dir, 'x.csv'))).rejects.toBeInstanceOf(InvalidInputError);
    await expect(whitenEmbeddingsFile(FIXTURE, path.join(dir, 'x.csv'), { shrinkage: -1 })).rejects.toBeInstanceOf(InvalidConfigError);
    await expect(whitenEmbeddingsFile(FIXTURE, path.join(dir, 'x.csv'), { components: 0 })).rejects.toBeInstanceOf(InvalidConfigError);
  });
});
