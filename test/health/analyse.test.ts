import { describe, expect, it } from 'vitest';
import { analyseHealth, healthTags } from '../../src/health/analyse';
import { parseHealthOptions } from '../../src/health/health-options';
import type { ImageMeasures } from '../../src/health/measures';
import type { EmbeddingMatrix } from '../../src/embeddings/matrix';

function measures(fileName: string, over: Partial<ImageMeasures> = {}): ImageMeasures {
  return {
    fileName, sha256: `sha-${fileName}`, pixelHash: `px-${fileName}`, dHash: '0f0f0f0f0f0f0f0f', sharpness: 500, brightness: 0.45,
    contrast: 0.2, highlight: 0.9, shadow: 0.05, darkFraction: 0.02, overexposedFraction: 0, entropy: 7, colourfulness: 30,
    mean: [0.45, 0.45, 0.45], std: [0.2, 0.2, 0.2], uniformRowRatio: 0, width: 640, height: 480, aspectRatio: 4 / 3, sizeInBytes: 50_000,
    ...over,
  };
}

/** Unit vectors in `dim` dimensions: row i points mostly along axis `axes[i]`, tilted by `tilt[i]` towards the last axis. */
function matrix(fileNames: string[], axes: number[], tilt: number[], dim = 24): EmbeddingMatrix {
  const data = new Float32Array(fileNames.length * dim);
  fileNames.forEach((_, i) => {
    data[i * dim + axes[i]] = Math.cos(tilt[i]);
    data[i * dim + dim - 1] = Math.sin(tilt[i]);
  });
  return { fileNames, labels: new Int32Array(fileNames.length), dim, data };
}

describe('analyseHealth', () => {
  const names = ['a.jpg', 'a_copy.jpg', 'a_small.jpg', 'a_other_subject.jpg', ...Array.from({ length: 12 }, (_, i) => `p${i}.jpg`)];
  const axes = [0, 0, 0, 0, ...Array.from({ length: 12 }, (_, i) => i + 1)];
  // a_small is 0.9 alike a (same layout), a_other_subject 0.9 alike too but laid out differently.
  const tilt = [0, 0, Math.acos(0.9), -Math.acos(0.9), ...Array.from({ length: 12 }, () => 0)];
  const m = new Map<string, ImageMeasures>([
    ['a.jpg', measures('a.jpg', { sha256: 'same', sharpness: 300 })],
    ['a_copy.jpg', measures('a_copy.jpg', { sha256: 'same', sharpness: 300 })],
    ['a_small.jpg', measures('a_small.jpg', { width: 320, height: 240, dHash: '0f0f0f0f0f0f0f0e', sharpness: 900 })],
    ['a_other_subject.jpg', measures('a_other_subject.jpg', { dHash: 'f0f0f0f0f0f0f0f0' })],
    ...names.slice(4).map((n, i): [string, ImageMeasures] => [n, measures(n, i === 0 ? { highlight: 0.1, brightness: 0.05 } : i === 1 ? { sharpness: 0.5 } : {})]),
  ]);

  it('groups byte-identical files, and near duplicates only where the layout agrees below the plain threshold', async () => {
    const report = await analyseHealth({ embeddings: matrix(names, axes, tilt), measures: m });
    expect(report.exactDuplicates).toEqual([{ kind: 'exact', files: ['a.jpg', 'a_copy.jpg'], keeper: 'a.jpg', minSimilarity: 1 }]);
    expect(report.nearDuplicates).toHaveLength(1);
    expect(report.nearDuplicates[0].files.sort()).toEqual(['a.jpg', 'a_copy.jpg', 'a_small.jpg']);
    expect(report.nearDuplicates[0].keeper).toBe('a.jpg'); // largest
    expect(report.duplicatesToRemove.sort()).toEqual(['a_copy.jpg', 'a_small.jpg']);
    expect(report.stats.neighbourMethod).toBe('exact');
  });

  it('keeps the sharpest or the earliest when asked', async () => {
    const sharpest = await analyseHealth({ embeddings: matrix(names, axes, tilt), measures: m, options: { keeper: 'sharpest' } });
    expect(sharpest.nearDuplicates[0].keeper).toBe('a_small.jpg');
    expect(sharpest.duplicatesToRemove.sort()).toEqual(['a.jpg', 'a_copy.jpg']);
    const earliest = await analyseHealth({ embeddings: matrix(names, axes, tilt), measures: m, options: { keeper: 'earliest', nearDuplicateThreshold: 0.85 } });
    expect(earliest.nearDuplicates[0].files).toHaveLength(4);
    expect(earliest.nearDuplicates[0].keeper).toBe('a.jpg');
  });

  it('flags dark and blurry images relative to the dataset, and obeys absolute overrides', async () => {
    const report = await analyseHealth({ embeddings: matrix(names, axes, tilt), measures: m });
    expect(report.issues.dark.files.map((f) => f.fileName)).toEqual(['p0.jpg']);
    expect(report.issues.blurry.files.map((f) => f.fileName)).toEqual(['p1.jpg']);
    expect(report.issues.dark.source).toBe('dataset');
    const strict = await analyseHealth({ embeddings: matrix(names, axes, tilt), measures: m, options: { thresholds: { dark: 0.95 } } });
    expect(strict.issues.dark).toMatchObject({ source: 'absolute', threshold: 0.95 });
    expect(strict.issues.dark.files).toHaveLength(names.length);
  });

  it('makes tags: everything but the duplicates, and one per finding', async () => {
    const report = await analyseHealth({ embeddings: matrix(names, axes, tilt), measures: m });
    const tags = healthTags(report, names);
    expect(tags.get('duplicates-removed')).toEqual(names.filter((n) => n !== 'a_copy.jpg' && n !== 'a_small.jpg'));
    expect(tags.get('dark')).toEqual(['p0.jpg']);
    expect(tags.has('light')).toBe(false);
  });

  it('flags an image far from every other picture, even with copies of its own; a similar pair hides at k = 1 but not at k = 2', async () => {
    // 40 photos close together (cosine ~0.9 to each other), one far image with an exact copy, and two far images alike.
    const dim = 8;
    const names = [...Array.from({ length: 40 }, (_, i) => `p${i}.jpg`), 'odd.jpg', 'odd_copy.jpg', 'twin_a.jpg', 'twin_b.jpg'];
    const data = new Float32Array(names.length * dim);
    for (let i = 0; i < 40; i++) {
      data[i * dim] = 1;
      data[i * dim + 1 + (i % 5)] = 0.3 + 0.01 * i;
    }
    for (const row of [40, 41]) data[row * dim + 6] = 1;
    data[42 * dim + 7] = 1;
    data[43 * dim + 7] = 1;
    data[43 * dim + 6] = 0.6;
    // Every picture laid out differently (dHashes far apart), so only similarity ≥ 0.95 or the same bytes make copies.
    const layout = (i: number) => ((i * 0x9e3779b1) >>> 0).toString(16).padStart(8, '0').repeat(2);
    const m = new Map(names.map((n, i): [string, ImageMeasures] => [n, measures(n, n.startsWith('odd') ? { sha256: 'odd', dHash: layout(40) } : { dHash: layout(i) })]));
    const embeddings = { fileNames: names, labels: new Int32Array(names.length), dim, data };
    const report = await analyseHealth({ embeddings, measures: m });
    expect(report.outliers.k).toBe(1);
    expect(report.outliers.files.map((f) => f.fileName).sort()).toEqual(['odd.jpg', 'odd_copy.jpg']);
    const wider = await analyseHealth({ embeddings, measures: m, options: { outlierK: 2 } });
    expect(wider.outliers.files.map((f) => f.fileName)).toEqual(expect.arrayContaining(['twin_a.jpg', 'twin_b.jpg']));
  });

  it('asks to embed first when there are no embeddings', async () => {
    await expect(analyseHealth({ embeddings: { fileNames: [], labels: new Int32Array(0), dim: 0, data: new Float32Array(0) }, measures: new Map() })).rejects.toThrow(/embed the images first/);
  });
});

describe('parseHealthOptions', () => {
  it('names the field that is out of range', async () => {
    expect(() => parseHealthOptions({ nearDuplicateThreshold: 1.5 })).toThrow('options.nearDuplicateThreshold must be a number in (0, 1], got 1.5');
    expect(() => parseHealthOptions({ thresholds: { dark: -1 } })).toThrow('options.thresholds.dark must be a number in [0, 1], got -1');
    expect(() => parseHealthOptions({ thresholds: { fuzzy: 1 } })).toThrow(/options.thresholds.fuzzy is not an issue type/);
    expect(() => parseHealthOptions({ outlierK: 0 })).toThrow('options.outlierK must be an integer in [1, 100], got 0');
    expect(() => parseHealthOptions({ keeper: 'newest' })).toThrow(/options.keeper must be one of largest, sharpest, earliest/);
    expect(() => parseHealthOptions({ treshold: 0.9 })).toThrow(/options.treshold is not an option/);
  });
});
