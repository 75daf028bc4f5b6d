// Power iterations for the top-2 subspace: the gap between the 2nd and 3rd eigenvalue of real embeddings makes
// 50 more than enough for a map; the loop stops once both axes turn by less than ~0.1° (1 − cos < 1e-6) — far below
// what a scatter plot can show.
const MAX_ITERATIONS = 50;
const TOLERANCE = 1e-6;

/**
 * 2-D PCA of an embedding matrix by block power iteration on the centred data (never forming the D×D covariance),
 * so it costs O(N·D) per iteration and no memory beyond the matrix.
 * Deterministic: starts from a fixed basis, and each axis's sign is chosen so its largest loading is positive.
 *
 * @example
 * computePca2d({ data: matrix.data, dim: 32, rows: 1000 }) // → { x: Float64Array(1000) [0.41, -1.2, …], y: …, explained: [0.62, 0.21] }
 */
export function computePca2d(matrix: { data: Float32Array; dim: number; rows: number }): { x: Float64Array; y: Float64Array; explained: [number, number] } {
  const { dim, data } = matrix;
  const n = matrix.rows;
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  if (n === 0 || dim === 0) return { x, y, explained: [0, 0] };

  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) mean[d] += data[i * dim + d];
  for (let d = 0; d < dim; d++) mean[d] /= n;

  let totalVariance = 0;
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < dim; d++) {
      const c = data[i * dim + d] - mean[d];
      totalVariance += c * c;
    }
  }

  // Two basis vectors in one D×2 block; a fixed, non-degenerate start keeps results reproducible.
  let q1 = new Float64Array(dim);
  let q2 = new Float64Array(dim);
  for (let d = 0; d < dim; d++) {
    q1[d] = 1 + d / dim;
    q2[d] = d % 2 === 0 ? 1 : -1 + d / (2 * dim);
  }
  orthonormalise(q1, q2);

  // One pass over the rows per iteration: each centred row is projected and accumulated while it is in cache.
  const centred = new Float64Array(dim);
  for (let iter = 0; iter < MAX_ITERATIONS; iter++) {
    const r1 = new Float64Array(dim);
    const r2 = new Float64Array(dim);
    for (let i = 0; i < n; i++) {
      const row = i * dim;
      let a = 0;
      let b = 0;
      for (let d = 0; d < dim; d++) {
        const c = data[row + d] - mean[d];
        centred[d] = c;
        a += c * q1[d];
        b += c * q2[d];
      }
      for (let d = 0; d < dim; d++) {
        r1[d] += centred[d] * a;
        r2[d] += centred[d] * b;
      }
    }
    orthonormalise(r1, r2);
    const change = Math.max(1 - Math.abs(dot(r1, q1)), 1 - Math.abs(dot(r2, q2)));
    q1 = r1;
    q2 = r2;
    if (change < TOLERANCE) break;
  }
  fixSign(q1);
  fixSign(q2);
  project(data, mean, n, dim, q1, q2, x, y);
  let v1 = 0;
  let v2 = 0;
  for (let i = 0; i < n; i++) {
    v1 += x[i] * x[i];
    v2 += y[i] * y[i];
  }
  // Order the axes by variance: power iteration on a block can converge with the two swapped.
  if (v2 > v1) return { x: y, y: x, explained: ratio(v2, v1, totalVariance) };
  return { x, y, explained: ratio(v1, v2, totalVariance) };
}

function ratio(a: number, b: number, total: number): [number, number] {
  return total > 0 ? [a / total, b / total] : [0, 0];
}

function project(data: Float32Array, mean: Float64Array, n: number, dim: number, q1: Float64Array, q2: Float64Array, o1: Float64Array, o2: Float64Array): void {
  for (let i = 0; i < n; i++) {
    let a = 0;
    let b = 0;
    const row = i * dim;
    for (let d = 0; d < dim; d++) {
      const c = data[row + d] - mean[d];
      a += c * q1[d];
      b += c * q2[d];
    }
    o1[i] = a;
    o2[i] = b;
  }
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function normalise(v: Float64Array): void {
  const norm = Math.sqrt(dot(v, v));
  if (norm > 0) for (let i = 0; i < v.length; i++) v[i] /= norm;
}

/**
 * Gram–Schmidt on two vectors. When `b` is (numerically) parallel to `a` — rank-1 data — it becomes zero rather than
 * a normalised rounding error, so the second coordinate is 0 instead of a copy of the first.
 */
function orthonormalise(a: Float64Array, b: Float64Array): void {
  normalise(a);
  const before = Math.sqrt(dot(b, b));
  const p = dot(a, b);
  for (let i = 0; i < b.length; i++) b[i] -= p * a[i];
  // 1e-9 of its length left after projection = parallel up to float64 rounding over thousands of accumulated rows.
  if (Math.sqrt(dot(b, b)) <= 1e-9 * before) b.fill(0);
  else normalise(b);
}

function fixSign(v: Float64Array): void {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (Math.abs(v[i]) > Math.abs(v[best])) best = i;
  if (v[best] < 0) for (let i = 0; i < v.length; i++) v[i] = -v[i];
}
