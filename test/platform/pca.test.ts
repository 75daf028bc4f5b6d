import { describe, expect, it } from 'vitest';
import { computePca2d } from '../../src/platform/service/pca';

function matrixFrom(rows: number[][]): { data: Float32Array; dim: number; rows: number } {
  return { data: Float32Array.from(rows.flat()), dim: rows[0]?.length ?? 0, rows: rows.length };
}

function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i] / n;
    mb += b[i] / n;
  }
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

describe('computePca2d', () => {
  // Points spread 10× along u, 3× along v (both unit, orthogonal, not axis-aligned) in 8-D, plus tiny noise.
  let seed = 42;
  const rand = () => {
    seed = (seed * 1664525 + 1013904223) % 4294967296;
    return seed / 4294967296 - 0.5;
  };
  const u = [1, 1, 0, 0, 1, 0, 0, 1].map((x) => x / 2);
  const v = [1, -1, 0, 0, 0, 1, -1, 0].map((x) => x / 2);
  const a = Array.from({ length: 500 }, () => rand() * 20);
  const b = Array.from({ length: 500 }, () => rand() * 6);
  const rows = a.map((ai, i) => u.map((uk, k) => 5 + ai * uk + b[i] * v[k] + rand() * 0.01));

  it('recovers the two main directions in order of variance', () => {
    const { x, y, explained } = computePca2d(matrixFrom(rows));
    expect(Math.abs(correlation(x, a))).toBeGreaterThan(0.9999);
    expect(Math.abs(correlation(y, b))).toBeGreaterThan(0.9999);
    expect(explained[0]).toBeGreaterThan(0.9);
    expect(explained[0] + explained[1]).toBeGreaterThan(0.9999);
  });

  it('is deterministic and centred', () => {
    const first = computePca2d(matrixFrom(rows));
    const second = computePca2d(matrixFrom(rows));
    expect(Array.from(first.x)).toEqual(Array.from(second.x));
    const mean = first.x.reduce((s, t) => s + t, 0) / first.x.length;
    expect(Math.abs(mean)).toBeLessThan(1e-6);
  });

  it('handles empty, single-row and rank-1 data without NaN', () => {
    expect(computePca2d(matrixFrom([])).x).toHaveLength(0);
    const one = computePca2d(matrixFrom([[1, 2, 3]]));
    expect(Array.from(one.x)).toEqual([0]);
    const line = computePca2d(matrixFrom([[0, 0], [1, 1], [2, 2], [3, 3]]));
    expect(Array.from(line.x).every(Number.isFinite)).toBe(true);
    expect(Array.from(line.y).every((t) => Math.abs(t) < 1e-6)).toBe(true);
    expect(Math.abs(correlation(line.x, [0, 1, 2, 3]))).toBeCloseTo(1, 6);
  });
});
