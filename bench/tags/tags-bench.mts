/**
 * Tag bitmask benchmark: 10,000,000-sample conversions (indices ↔ hex, file names → hex) and set operations, with
 * BigInt baselines measured in the same run — the per-bit BigInt build (quadratic) and whole-mask BigInt set
 * operations (linear, the fairest alternative).
 *
 *   npm run build && npx node bench/tags/tags-bench.mts                 # 10M samples
 *   npx node bench/tags/tags-bench.mts --samples 1000000
 *
 * Figures are wall clock on whatever load the machine has; each is the best of three runs.
 */
import { createRequire } from 'node:module';
import os from 'node:os';

const load = createRequire(import.meta.url);
const tags: typeof import('../../src/tags/index') = load('../../dist/src/tags/index.js');

// File-name lookups hold one Map entry per sample; 1M keeps the run within a shared machine's memory.
const FILE_NAME_SAMPLES = 1_000_000;
// The per-bit BigInt baseline is quadratic; these sizes show the growth without taking minutes.
const NAIVE_SIZES = [10_000, 20_000, 40_000];

function argValue(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

function best<T>(fn: () => T): { ms: number; result: T } {
  let ms = Infinity;
  let result: T | undefined;
  for (let run = 0; run < 3; run++) {
    const start = performance.now();
    result = fn();
    ms = Math.min(ms, performance.now() - start);
  }
  return { ms, result: result as T };
}

function report(label: string, ms: number, extra = ''): void {
  console.log(`${label.padEnd(46)} ${ms.toFixed(1).padStart(9)} ms${extra}`);
}

function naiveBigIntHex(indices: number[]): string {
  let value = 0n;
  for (const index of indices) value |= 1n << BigInt(index);
  return `0x${value.toString(16)}`;
}

function main(): void {
  const samples = argValue('--samples', 10_000_000);
  console.log(`# tag bitmasks, ${samples.toLocaleString('en')} samples; node ${process.version}; load ${os.loadavg()[0].toFixed(1)}`);
  // Two overlapping tags: every 2nd sample, and every 3rd sample.
  const evens = Array.from({ length: Math.ceil(samples / 2) }, (_, i) => i * 2);
  const thirds = Array.from({ length: Math.ceil(samples / 3) }, (_, i) => i * 3);

  const encode = best(() => tags.bitmaskFromIndices(evens));
  report(`bitmaskFromIndices (${evens.length.toLocaleString('en')} indices)`, encode.ms, `  → ${(encode.result.length / 1e6).toFixed(1)} M hex chars`);
  const decode = best(() => tags.indicesFromBitmask(encode.result));
  report('indicesFromBitmask', decode.ms, `  → ${decode.result.length.toLocaleString('en')} indices`);
  const hexA = encode.result;
  const hexB = tags.bitmaskFromIndices(thirds);
  const parse = best(() => tags.TagBitset.fromHex(hexA));
  report('TagBitset.fromHex', parse.ms);
  const print = best(() => parse.result.toHex());
  report('TagBitset.toHex', print.ms);
  const count = best(() => parse.result.count());
  report('TagBitset.count', count.ms, `  → ${count.result.toLocaleString('en')}`);

  const union = best(() => tags.bitmaskUnion(hexA, hexB));
  report('bitmaskUnion (hex in, hex out)', union.ms);
  const intersection = best(() => tags.bitmaskIntersection(hexA, hexB));
  report('bitmaskIntersection (hex in, hex out)', intersection.ms);
  const difference = best(() => tags.bitmaskDifference(hexA, hexB));
  report('bitmaskDifference (hex in, hex out)', difference.ms);
  const setB = tags.TagBitset.fromHex(hexB);
  const bitsetOps = best(() => parse.result.union(setB).intersection(setB).difference(parse.result));
  report('TagBitset union+intersection+difference', bitsetOps.ms);

  // Baseline 1: whole-mask BigInt set operations (parse, op, print) — linear, as fast as BigInt gets.
  const bigintIntersection = best(() => `0x${(BigInt(hexA) & BigInt(hexB)).toString(16)}`);
  report('baseline: BigInt intersection (hex in, hex out)', bigintIntersection.ms, `  (ratio ${(bigintIntersection.ms / intersection.ms).toFixed(2)}×)`);
  if (bigintIntersection.result !== intersection.result) throw new Error('BigInt and TagBitset disagree');

  // Baseline 2: building a mask bit by bit with BigInt — each OR copies the whole number, so time grows as n².
  for (const n of NAIVE_SIZES) {
    const indices = Array.from({ length: n }, (_, i) => i);
    const naive = best(() => naiveBigIntHex(indices));
    const ours = best(() => tags.bitmaskFromIndices(indices));
    if (naive.result !== ours.result) throw new Error('naive BigInt and bitmaskFromIndices disagree');
    report(`baseline: per-bit BigInt build, ${n.toLocaleString('en')} samples`, naive.ms, `  (bitmaskFromIndices ${ours.ms.toFixed(2)} ms, ${(naive.ms / ours.ms).toFixed(0)}× faster)`);
  }

  const names = Array.from({ length: FILE_NAME_SAMPLES }, (_, i) => `images/${i % 1000}/img_${i}.jpg`);
  const byName = tags.indexByFileName(names);
  const chosen = names.filter((_, i) => i % 7 === 0);
  const fromNames = best(() => tags.bitmaskFromFileNames(chosen, byName));
  report(`bitmaskFromFileNames (${chosen.length.toLocaleString('en')} of ${FILE_NAME_SAMPLES.toLocaleString('en')})`, fromNames.ms);
  const toNames = best(() => tags.fileNamesFromBitmask(fromNames.result, names));
  report('fileNamesFromBitmask', toNames.ms, `  → ${toNames.result.length.toLocaleString('en')} names`);
}

main();
