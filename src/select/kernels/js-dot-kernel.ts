import type { DotKernel } from './dot-kernel-port';

/** Plain loops on one thread: the reference backend, and the fast one for small matrices. */
export class JsDotKernel implements DotKernel {
  readonly name = 'js' as const;

  async matVec(matrix: Float32Array, dim: number, start: number, end: number, vector: Float32Array): Promise<Float32Array> {
    const out = new Float32Array(end - start);
    matVecInto(matrix, dim, start, end, vector, out);
    return out;
  }

  async maxDot(matrix: Float32Array, dim: number, start: number, end: number, queries: Float32Array, count: number) {
    const rows = end - start;
    const max = new Float32Array(rows).fill(-Infinity);
    const argmax = new Int32Array(rows);
    for (let i = 0; i < rows; i++) {
      const base = (start + i) * dim;
      for (let q = 0; q < count; q++) {
        const qb = q * dim;
        let s = 0;
        for (let j = 0; j < dim; j++) s += matrix[base + j] * queries[qb + j];
        if (s > max[i]) {
          max[i] = s;
          argmax[i] = q;
        }
      }
    }
    return { max, argmax };
  }

  async sumSquares(matrix: Float32Array, dim: number, start: number, end: number): Promise<Float32Array> {
    const out = new Float32Array(end - start);
    for (let i = start; i < end; i++) {
      const b = i * dim;
      let s = 0;
      for (let j = 0; j < dim; j++) s += matrix[b + j] * matrix[b + j];
      out[i - start] = s;
    }
    return out;
  }

  async project(matrix: Float32Array, dim: number, start: number, end: number, projection: Float32Array, outDim: number) {
    const rows = end - start;
    const out = new Float32Array(rows * outDim);
    const acc = new Float64Array(outDim);
    for (let i = 0; i < rows; i++) {
      acc.fill(0);
      const base = (start + i) * dim;
      for (let j = 0; j < dim; j++) {
        const x = matrix[base + j];
        if (x === 0) continue;
        const pb = j * outDim;
        for (let o = 0; o < outDim; o++) acc[o] += x * projection[pb + o];
      }
      out.set(acc, i * outDim);
    }
    return out;
  }

  async dispose(): Promise<void> {
    // Nothing to free: the JS kernel holds no native resources.
  }
}

/** `out[i] = row(start + i) · vector`, four rows at a time so each load of the vector serves four rows. */
export function matVecInto(matrix: Float32Array, dim: number, start: number, end: number, vector: Float32Array, out: Float32Array): void {
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const b0 = i * dim;
    const b1 = b0 + dim;
    const b2 = b1 + dim;
    const b3 = b2 + dim;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let j = 0; j < dim; j++) {
      const v = vector[j];
      s0 += matrix[b0 + j] * v;
      s1 += matrix[b1 + j] * v;
      s2 += matrix[b2 + j] * v;
      s3 += matrix[b3 + j] * v;
    }
    out[i - start] = s0;
    out[i - start + 1] = s1;
    out[i - start + 2] = s2;
    out[i - start + 3] = s3;
  }
  for (; i < end; i++) {
    const b = i * dim;
    let s = 0;
    for (let j = 0; j < dim; j++) s += matrix[b + j] * vector[j];
    out[i - start] = s;
  }
}
