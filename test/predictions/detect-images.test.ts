import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDatasource, readPredictions } from '../../src/predictions';
import type { DetectorConfig } from '../../src/predictions/detect-images';
import { predictImages } from '../../src/predictions/predict-images';
import { detectorConfig, drawImage, quadrantDetector } from './quadrant-detector';

let root: string;
let modelFile: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'winnow-detect-'));
  modelFile = path.join(root, 'quadrants.onnx');
  await writeFile(modelFile, quadrantDetector());
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('predictImages with an ONNX detector', () => {
  it('decodes boxes and scores, suppresses duplicates per class and writes boxes in original pixels', async () => {
    const dir = path.join(root, 'fill');
    await mkdir(path.join(dir, 'sub'), { recursive: true });
    // 64×48: the quadrants are 32×24 in the original image.
    await drawImage(path.join(dir, 'two.png'), 64, 48, [
      { left: 0, top: 0, width: 32, height: 24, colour: '#ff0000' },
      { left: 32, top: 24, width: 32, height: 24, colour: '#00ff00' },
    ]);
    await drawImage(path.join(dir, 'sub', 'none.png'), 64, 48, []);
    await writeFile(path.join(dir, 'broken.png'), 'not a png');
    const configFile = path.join(root, 'det.json');
    await writeFile(configFile, JSON.stringify(detectorConfig));

    const result = await predictImages({ inputDir: dir, task: 'colours', model: modelFile, predictorConfig: configFile });
    expect(result).toMatchObject({ task: 'colours', taskType: 'object-detection', categories: 2, predicted: 2, objects: 2 });
    expect(result.skipped.map((s) => s.file)).toEqual(['broken.png']);

    const two = JSON.parse(await readFile(path.join(dir, '.lightly/predictions/colours/two.json'), 'utf8'));
    expect(two).toEqual({
      file_name: 'two.png',
      predictions: [
        // Scores just under 1: resampling blurs the colour edges a little.
        { category_id: 0, bbox: [0, 0, 32, 24], score: expect.closeTo(1, 1), probabilities: [1, 0] },
        { category_id: 1, bbox: [32, 24, 32, 24], score: expect.closeTo(1, 1), probabilities: [0, 1] },
      ],
    });
    const none = JSON.parse(await readFile(path.join(dir, '.lightly/predictions/colours/sub/none.json'), 'utf8'));
    expect(none).toEqual({ file_name: 'sub/none.png', predictions: [] });
    const schema = JSON.parse(await readFile(path.join(dir, '.lightly/predictions/colours/schema.json'), 'utf8'));
    expect(schema).toEqual({ task_type: 'object-detection', categories: [{ id: 0, name: 'red' }, { id: 1, name: 'green' }] });

    // What Winnow writes, Winnow (and Lightly's validator rules) read back: boxes inside the image, probabilities sum to 1.
    const { tasks, problems } = await readPredictions(localDatasource(dir));
    expect(problems).toEqual([]);
    expect(tasks[0].images.map((i) => i.predictions.length).sort()).toEqual([0, 2]);
  });

  it('with iouThreshold above the duplicates\' overlap keeps them, and a lower score threshold keeps half-red letterboxed quadrants', async () => {
    const dir = path.join(root, 'letterbox');
    await mkdir(dir, { recursive: true });
    // 64×32 letterboxed into 32×32: scale 0.5, 8 rows of grey above and below; each quadrant holds 8 image rows.
    await drawImage(path.join(dir, 'wide.png'), 64, 32, [{ left: 0, top: 0, width: 32, height: 32, colour: '#ff0000' }]);
    const config: DetectorConfig = { ...detectorConfig, resize: 'letterbox', scoreThreshold: 0.4, iouThreshold: 0.95, probabilities: false };
    await predictImages({ inputDir: dir, task: 'lb', model: modelFile, predictorConfig: config });
    const wide = JSON.parse(await readFile(path.join(dir, '.lightly/predictions/lb/wide.json'), 'utf8'));
    // Top-left quadrant of the input = x 0–16, y 0–16 (8 rows padding + 8 rows image) → x 0–32, y 0–16 of the image;
    // bottom-left → y 16–32. Red minus green is 1 on the image rows and 0 on grey: score 0.5; the duplicates 0.45.
    expect(wide.predictions).toEqual([
      { category_id: 0, bbox: [0, 0, 32, 16], score: expect.closeTo(0.5, 2) },
      { category_id: 0, bbox: [0, 16, 32, 16], score: expect.closeTo(0.5, 2) },
      // The shrunk duplicates start 2 % of the input (0.64 px) in: x 1.28 px of the image; the top one's y is still in
      // the padding (clipped to 0), the bottom one's is 16.64 − 8 = 8.64 input rows = 17.28 image rows.
      { category_id: 0, bbox: [1.28, 0, 30.72, 16], score: expect.closeTo(0.45, 2) },
      { category_id: 0, bbox: [1.28, 17.28, 30.72, 14.72], score: expect.closeTo(0.45, 2) },
    ]);
  });

  it('names the file and field of a bad detector config', async () => {
    const dir = path.join(root, 'fill');
    const bad = async (config: object, field: string, problem: RegExp) => {
      const file = path.join(root, `bad-${field}.json`);
      await writeFile(file, JSON.stringify(config));
      const error = await predictImages({ inputDir: dir, task: 'x', model: modelFile, predictorConfig: file }).catch((e: Error) => e);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toContain(`bad-${field}.json (column "${field}")`);
      expect((error as Error).message).toMatch(problem);
    };
    const { boxFormat: _, ...noFormat } = detectorConfig;
    await bad(noFormat, 'boxFormat', /missing/);
    await bad({ ...detectorConfig, outputs: { scores: 'scores' } }, 'outputs.boxes', /box tensor's name is missing/);
    await bad({ ...detectorConfig, outputs: { boxes: 'boxes', scores: 'logits' } }, 'outputs.scores', /model output logits not found; .* has boxes, scores/);
    await bad({ ...detectorConfig, boxFormat: 'yolo' }, 'boxFormat', /got "yolo"/);
    await bad({ ...detectorConfig, scoreThreshold: 2 }, 'scoreThreshold', /2/);
    await bad({ ...detectorConfig, taskType: 'segmentation' }, 'taskType', /"classification" or "object-detection"/);
    await bad({ ...detectorConfig, probabilities: true, outputs: { boxes: 'boxes', scores: 'scores', classes: 'boxes' } }, 'probabilities', /a score per class/);
  });
});
