/**
 * A seeded pseudo-random generator built only from 32-bit integer operations (mulberry32 over a splitmix32-hashed
 * seed), so the same seed gives the same stream on every machine and Node version — `Math.random` cannot be seeded
 * and transcendental functions may differ in their last bit between platforms.
 */
export class SeededRandom {
  private readonly next: () => number;

  constructor(seed: number) {
    this.next = mulberry32(hashSeed(seed));
  }

  /** A uint32. */
  nextUint32(): number {
    return this.next();
  }

  /** A float in (0, 1]: never 0, so it can be a factor of a product of objectives or the argument of a log. */
  nextOpenUnit(): number {
    return (this.next() + 1) / 4294967296;
  }

  /** An integer in [0, bound). */
  nextInt(bound: number): number {
    // Multiply-shift is unbiased enough for bounds far below 2^32 and stays integer-exact.
    return Math.floor((this.next() / 4294967296) * bound);
  }
}

/**
 * Floats in [0, 1) like `Math.random`, but seeded (mulberry32 started from the seed itself), for code that takes a
 * `() => number`: umap-js's layout, the demo image set, benchmarks' generated data.
 *
 * @example
 * const random = uniformRandom(42); random() // → 0.6011037519201636, the same on every machine
 */
export function uniformRandom(seed: number): () => number {
  const next = mulberry32(seed);
  return () => next() / 4294967296;
}

/** mulberry32: a uint32 stream from a 32-bit state. */
function mulberry32(state: number): () => number {
  let a = state | 0;
  return () => {
    let t = (a = (a + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

function hashSeed(seed: number): number {
  // Fold a possibly non-32-bit seed (e.g. Date.now()) into 32 bits before mixing.
  let h = (Math.trunc(seed) ^ Math.trunc(seed / 4294967296)) | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

/** A seeded random permutation of 0..n-1 (Fisher–Yates). */
export function randomPermutation(n: number, random: SeededRandom): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = random.nextInt(i + 1);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}

/**
 * A seeded `dim × outDim` ±1 matrix (Achlioptas' Johnson–Lindenstrauss projection: as good as Gaussian, and made of
 * integers only, so it is the same everywhere). Rows times it, renormalised, keep distances within ~1/√outDim.
 */
export function signProjection(dim: number, outDim: number, seed: number): Float32Array {
  const random = new SeededRandom(seed);
  const projection = new Float32Array(dim * outDim);
  for (let i = 0; i < projection.length; i++) projection[i] = random.nextUint32() & 1 ? 1 : -1;
  return projection;
}
