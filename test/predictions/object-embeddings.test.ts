import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectionValuesFromDatasource } from '../../src/cli/commands/predictions';
import { embedImages } from '../../src/embed/embed-images';
import { loadEmbeddingMatrix } from '../../src/embeddings';
import { embedObjects } from '../../src/predictions/object-embeddings';
import { parseSelectionConfig, selectFromFiles } from '../../src/select';
import { FIXTURES } from '../fixture-files';

/**
 * Real objects (Noto emoji from npm emoji-datasource-google, test/fixtures/objects) pasted at known places on white
 * canvases, with their true boxes as the detection task's predictions: eight images hold the same monkey (moved and
 * resized), three of them also a distinct object (grapes, bus, glasses). Selecting 4 images through their objects
 * must take the three with a distinct object: after any first pick, each of them holds the object farthest from
 * every object chosen so far, while another monkey adds almost nothing.
 */
const W = 192;
const H = 128;
type Placed = { object: 'monkey' | 'grapes' | 'bus' | 'glasses'; left: number; top: number; size: number };
const IMAGES: Record<string, Placed[]> = {
  'm0.png': [{ object: 'monkey', left: 10, top: 10, size: 64 }],
  'm1.png': [{ object: 'monkey', left: 100, top: 40, size: 56 }],
  'm2.png': [{ object: 'monkey', left: 60, top: 30, size: 60 }],
  'm3.png': [{ object: 'monkey', left: 120, top: 60, size: 48 }],
  'm4.png': [{ object: 'monkey', left: 20, top: 60, size: 52 }],
  'sub/grapes.png': [
    { object: 'monkey', left: 12, top: 40, size: 60 },
    { object: 'grapes', left: 110, top: 30, size: 56 },
  ],
  'bus.png': [
    { object: 'monkey', left: 120, top: 50, size: 56 },
    { object: 'bus', left: 20, top: 20, size: 60 },
  ],
  'glasses.png': [
    { object: 'monkey', left: 70, top: 10, size: 52 },
    { object: 'glasses', left: 10, top: 64, size: 56 },
  ],
  'empty.png': [],
};
const CATEGORIES = ['monkey', 'grapes', 'bus', 'glasses'];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'winnow-objects-'));
  const task = path.join(dir, '.lightly/predictions/objects');
  await mkdir(path.join(task, 'sub'), { recursive: true });
  await mkdir(path.join(dir, 'sub'), { recursive: true });
  for (const [file, placed] of Object.entries(IMAGES)) {
    const overlays = await Promise.all(
      placed.map(async (p) => ({ input: await sharp(path.join(FIXTURES, 'objects', `${p.object}.png`)).resize(p.size, p.size).toBuffer(), left: p.left, top: p.top })),
    );
    await sharp({ create: { width: W, height: H, channels: 3, background: '#ffffff' } }).composite(overlays).png().toFile(path.join(dir, file));
    const predictions = placed.map((p) => ({ category_id: CATEGORIES.indexOf(p.object), bbox: [p.left, p.top, p.size, p.size], score: 0.9 }));
    await writeFile(path.join(task, file.replace(/\.png$/, '.json')), JSON.stringify({ file_name: file, predictions }));
  }
  // A detector that put a box past the right edge: that file is reported and skipped, the others are embedded.
  await sharp({ create: { width: W, height: H, channels: 3, background: '#ffffff' } }).png().toFile(path.join(dir, 'outside.png'));
  await writeFile(path.join(task, 'outside.json'), JSON.stringify({ file_name: 'outside.png', predictions: [{ category_id: 0, bbox: [150, 10, 60, 40], score: 0.8 }] }));
  await writeFile(path.join(dir, '.lightly/predictions/tasks.json'), JSON.stringify(['objects']));
  await writeFile(path.join(task, 'schema.json'), JSON.stringify({ task_type: 'object-detection', categories: CATEGORIES.map((name, id) => ({ id, name })) }));
}, 120_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('object embeddings and object-level selection', () => {
  it('embeds each box crop with the image model, labelled by category, and names the file and field of a box outside its image', async () => {
    const result = await embedObjects({ inputDir: dir, task: 'objects' });
    expect(result).toMatchObject({ task: 'objects', images: 8, objects: 11, skipped: [], dim: 1280 });
    expect(result.csvPath).toBe(path.join(dir, '.lightly/object-embeddings/objects.csv'));
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0].message).toMatch(/outside\.json \(column "predictions\[0\]\.bbox"\): bbox \[150,10,60,40\] reaches \(210, 50\), outside the 192×128 image/);
    const objects = await loadEmbeddingMatrix(result.csvPath);
    expect(objects.fileNames).toContain('sub/grapes.png#1');
    expect(objects.labels[objects.fileNames.indexOf('sub/grapes.png#1')]).toBe(1);
    // The crops are what the boxes hold: the monkey crops are far closer to each other than to the grapes.
    const vec = (name: string) => objects.data.subarray(objects.fileNames.indexOf(name) * objects.dim, (objects.fileNames.indexOf(name) + 1) * objects.dim);
    const cos = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * b[i], 0);
    expect(cos(vec('m0.png#0'), vec('m3.png#0'))).toBeGreaterThan(cos(vec('m0.png#0'), vec('sub/grapes.png#1')) + 0.2);
  }, 300_000);

  it('selects the images whose objects are diverse (EMBEDDINGS with a task, DIVERSITY), with and without a preselection', async () => {
    const csv = path.join(dir, 'images.csv');
    await embedImages({ inputDir: dir, outCsv: csv, resume: false });
    const config = parseSelectionConfig({ n: 4, strategies: [{ input: { type: 'EMBEDDINGS', task: 'objects' }, strategy: { type: 'DIVERSITY' } }] });
    const values = await selectionValuesFromDatasource(dir, {}, config);
    for (const seed of [0, 1, 2, 3]) {
      const result = await selectFromFiles({ embeddingsPath: csv, ...values, config: { ...config, seed } });
      expect(result.selected).toHaveLength(4);
      expect(result.selected).toEqual(expect.arrayContaining(['sub/grapes.png', 'bus.png', 'glasses.png']));
      // Images without objects rank last; each pick's reason names the object task's term.
      expect(result.ranking.at(-1)!.fileName).toMatch(/^(empty|outside)\.png$/);
      expect(Object.keys(result.ranking[1].reason.strategies)).toEqual(['DIVERSITY:objects.objects']);
      expect(result.stats.objects).toEqual({ task: 'objects', objects: 11, withoutImage: 0 });
    }
    // With the grapes image already labelled, the picks still bring the bus and the glasses before more monkeys.
    const after = await selectFromFiles({ embeddingsPath: csv, ...values, config: { ...config, n: 2 }, preselected: ['sub/grapes.png'] });
    expect(after.selected.sort()).toEqual(['bus.png', 'glasses.png']);
  }, 300_000);

  it('names the field when the task has no object embeddings, or the strategy cannot use them', async () => {
    const csv = path.join(dir, 'images.csv');
    const missing = parseSelectionConfig({ n: 2, strategies: [{ input: { type: 'EMBEDDINGS', task: 'other' }, strategy: { type: 'DIVERSITY' } }] });
    await expect(selectionValuesFromDatasource(dir, {}, missing)).rejects.toThrow(/no object embeddings for task "other" .*winnow predictions embed-objects/);
    await expect(selectFromFiles({ embeddingsPath: csv, config: missing })).rejects.toThrow(/strategies\[0\]\.input\.task: no object embeddings for task "other"/);
    expect(() => parseSelectionConfig({ n: 2, strategies: [{ input: { type: 'EMBEDDINGS', task: 'objects' }, strategy: { type: 'TYPICALITY' } }] })).toThrow(
      /strategies\[0\]\.input\.task: object embeddings .* DIVERSITY only, not TYPICALITY/,
    );
  });
});
