import { uniformRandom } from '../../src/select/random';

/**
 * Rows shaped like real embeddings for unit tests: Gaussian clusters on a `rank`-dimensional subspace of `dim`, plus
 * isotropic `noise` (real embeddings have few intrinsic dimensions; isotropic random rows have no neighbours to find).
 */
export function lowRankClusters(o: { seed: number; rows: number; dim: number; rank: number; clusters: number; noise: number }): Float32Array {
  const random = uniformRandom(o.seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const basis = Array.from({ length: o.rank }, () => Array.from({ length: o.dim }, gauss));
  const centres = Array.from({ length: o.clusters }, () => Array.from({ length: o.rank }, () => 3 * gauss()));
  const data = new Float32Array(o.rows * o.dim);
  for (let i = 0; i < o.rows; i++) {
    const latent = centres[i % o.clusters].map((c) => c + gauss());
    for (let d = 0; d < o.dim; d++) data[i * o.dim + d] = latent.reduce((s, l, a) => s + l * basis[a][d], 0) + o.noise * gauss();
  }
  return data;
}
