import { describe, expect, it } from 'vitest';
import type { EmbeddingMatrix } from '../../src/embeddings/matrix';
import { objectRowName, parseObjectRowName, rankByObjectDiversity, type ObjectDiversityInput } from '../../src/select/object-diversity';
import { parseSelectionConfig, selectSamples } from '../../src/select';

/** Unit vectors on a circle, by angle in degrees. */
const at = (deg: number) => [Math.cos((deg * Math.PI) / 180), Math.sin((deg * Math.PI) / 180)];
const matrix = (rows: Array<[string, number[]]>): EmbeddingMatrix => ({
  fileNames: rows.map((r) => r[0]),
  labels: new Int32Array(rows.length),
  dim: 2,
  data: Float32Array.from(rows.flatMap((r) => r[1])),
});

describe('object row names', () => {
  it('round-trip, with # inside file names', () => {
    expect(objectRowName('sub/a#b.jpg', 2)).toBe('sub/a#b.jpg#2');
    expect(parseObjectRowName('sub/a#b.jpg#2')).toEqual({ fileName: 'sub/a#b.jpg', index: 2 });
    expect(parseObjectRowName('a.jpg')).toBeUndefined();
    expect(parseObjectRowName('a.jpg#01')).toBeUndefined();
  });
});

describe('rankByObjectDiversity', () => {
  // Images a, b, c, d; a holds objects at 0° and 10°, b at 5°, c at 180°, d at 90°, e none.
  const images = ['a.jpg', 'b.jpg', 'c.jpg', 'd.jpg', 'e.jpg'];
  const rowOf = new Map(images.map((f, i) => [f, i]));
  const objects = matrix([
    ['a.jpg#0', at(0)],
    ['a.jpg#1', at(10)],
    ['b.jpg#0', at(5)],
    ['c.jpg#0', at(180)],
    ['d.jpg#0', at(90)],
    ['gone.jpg#0', at(45)],
  ]);
  const base: ObjectDiversityInput = {
    objects,
    source: 'objects.csv',
    rowOf,
    candidates: Int32Array.from([0, 1, 2, 3, 4]),
    preselectedRows: [],
    logStatic: null,
    strength: 1,
    tieRank: Int32Array.from([0, 1, 2, 3, 4]),
    limit: 5,
    selectCount: 3,
  };
  const chord = (deg: number) => 2 * Math.sin((deg * Math.PI) / 360);

  it('picks images through their most novel object; images without objects come last', () => {
    const r = rankByObjectDiversity(base);
    const order = r.ranking.map((p) => images[base.candidates[p.candidate]]);
    // First pick: all at distance 2, tie rank → a; then c (180° from a), then d (80°+ from both), then b (5° from a).
    expect(order).toEqual(['a.jpg', 'c.jpg', 'd.jpg', 'b.jpg', 'e.jpg']);
    expect(r.ranking[1].distance).toBeCloseTo(chord(170), 6); // c's object to a's 10° object
    expect(r.ranking[3].distance).toBeCloseTo(chord(5), 6);
    expect(r).toMatchObject({ selectedCount: 3, stoppedBy: 'n', objects: 6, objectsWithoutImage: 1 });
    expect(r.coveringRadius).toBeCloseTo(chord(5), 6); // after a, c, d: b's object is 5° from a's
  });

  it('starts from the preselected images\' objects, stops at minDistance, and multiplies static factors in', () => {
    const pre = rankByObjectDiversity({ ...base, candidates: Int32Array.from([1, 2, 3, 4]), preselectedRows: [0], tieRank: Int32Array.from([0, 1, 2, 3]) });
    expect(pre.ranking.map((p) => images[[1, 2, 3, 4][p.candidate]]).slice(0, 3)).toEqual(['c.jpg', 'd.jpg', 'b.jpg']);
    expect(pre.ranking[0].nearestRow).toBe(0);
    const stopped = rankByObjectDiversity({ ...base, selectCount: Infinity, minDistance: 0.5 });
    expect(stopped).toMatchObject({ selectedCount: 3, stoppedBy: 'minDistance' });
    // A weight of 0.01 on c outweighs its distance: d comes second.
    const weighted = rankByObjectDiversity({ ...base, logStatic: Float64Array.from([0, 0, Math.log(0.01), 0, 0]) });
    expect(weighted.ranking.slice(0, 2).map((p) => images[p.candidate])).toEqual(['a.jpg', 'd.jpg']);
  });

  it('is reached through selectSamples and refuses a row that is not an object name', async () => {
    const embeddings = matrix(images.map((f, i) => [f, at(i * 7)]));
    const config = parseSelectionConfig({ n: 2, strategies: [{ input: { type: 'EMBEDDINGS', task: 'det' }, strategy: { type: 'DIVERSITY' } }] });
    const result = await selectSamples({ embeddings, config, objectEmbeddings: { det: { objects, source: 'objects.csv' } } });
    expect(result.selected).toEqual(['a.jpg', 'c.jpg']);
    const bad = matrix([['a.jpg', at(0)]]);
    await expect(selectSamples({ embeddings, config, objectEmbeddings: { det: { objects: bad, source: 'objects.csv' } } })).rejects.toThrow(
      /objects\.csv:2: "a\.jpg" is not an object row name/,
    );
    const withCoverage = parseSelectionConfig({ n: 2, strategies: [{ input: { type: 'EMBEDDINGS', task: 'det' }, strategy: { type: 'DIVERSITY' } }, { input: { type: 'EMBEDDINGS' }, strategy: { type: 'COVERAGE' } }] });
    await expect(selectSamples({ embeddings, config: withCoverage, objectEmbeddings: { det: { objects, source: 'objects.csv' } } })).rejects.toThrow(
      /strategies\[1\]\.strategy\.type: COVERAGE cannot be combined with object-level DIVERSITY/,
    );
  });
});
