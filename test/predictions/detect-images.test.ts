import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeModel, floatTensor, floatValueInfo, int64Tensor, node } from '../../src/embed/onnx-graph';
import { localDatasource, readPredictions } from '../../src/predictions';
import type { DetectorConfig } from '../../src/predictions/detect-images';
import { predictImages } from '../../src/predictions/predict-images';

/**
 * A tiny ONNX "detector" with known outputs: 8 fixed boxes (the four quadrants of the input, normalised xyxy, then
 * the same quadrants shrunk by 2 % as near-duplicates) and per-box class scores computed from the image:
 * red = relu(mean R − mean G), green = relu(mean G − mean R) over the box's quadrant (the duplicates score 0.9× that).
 * So an image with a red top-left and a green bottom-right quadrant has exactly two objects after NMS.
 */
function quadrantDetector(): Uint8Array {
  const quadrants = [
    [0, 0, 0.5, 0.5],
    [0.5, 0, 1, 0.5],
    [0, 0.5, 0.5, 1],
    [0.5, 0.5, 1, 1],
  ];
  const shrunk = quadrants.map(([x1, y1, x2, y2]) => [x1 + 0.02, y1 + 0.02, x2, y2]);
  const graph = {
    name: 'quadrant-detector',
    node: [
      node('AveragePool', ['images'], ['pooled'], 'pool', [
        { name: 'kernel_shape', type: 7, ints: [16, 16] },
        { name: 'strides', type: 7, ints: [16, 16] },
      ]),
      node('Reshape', ['pooled', 'shape_n3k'], ['cells'], 'cells'), // [1, 3, 4]
      node('Transpose', ['cells'], ['cellsT'], 'cellsT', [{ name: 'perm', type: 7, ints: [0, 2, 1] }]), // [1, 4, 3]
      node('MatMul', ['cellsT', 'w'], ['diff'], 'diff'), // [1, 4, 2]: R − G, G − R
      node('Relu', ['diff'], ['quadScores'], 'relu'),
      node('Mul', ['quadScores', 'ninety'], ['dupScores'], 'dup'),
      node('Concat', ['quadScores', 'dupScores'], ['scores'], 'scores', [{ name: 'axis', type: 2, i: 1 }]), // [1, 8, 2]
      node('Identity', ['anchors'], ['boxes'], 'boxes'),
    ],
    initializer: [
      int64Tensor('shape_n3k', [1, 3, 4]),
      floatTensor('w', [3, 2], Float32Array.of(1, -1, -1, 1, 0, 0)),
      floatTensor('ninety', [1], Float32Array.of(0.9)),
      floatTensor('anchors', [1, 8, 4], Float32Array.from([...quadrants, ...shrunk].flat())),
    ],
    input: [floatValueInfo('images', [1, 3, 32, 32])],
    output: [floatValueInfo('boxes', [1, 8, 4]), floatValueInfo('scores', [1, 8, 2])],
  };
  return encodeModel(graph, 'winnow-test');
}

const detectorConfig: DetectorConfig = {
  taskType: 'object-detection',
  categories: ['red', 'green'],
  model: { size: 32, layout: 'NCHW', scale: 1 / 255 },
  outputs: { boxes: 'boxes', scores: 'scores' },
  boxFormat: 'xyxy',
  boxCoordinates: 'normalized',
  scoreThreshold: 0.3,
  iouThreshold: 0.5,
  probabilities: true,
};

/** A W×H white image with coloured rectangles. */
async function drawImage(file: string, width: number, height: number, rects: Array<{ left: number; top: number; width: number; height: number; colour: string }>) {
  const overlays = await Promise.all(
    rects.map(async (r) => ({ input: await sharp({ create: { width: r.width, height: r.height, channels: 3, background: r.colour } }).png().toBuffer(), left: r.left, top: r.top })),
  );
  await sharp({ create: { width, height, channels: 3, background: '#ffffff' } }).composite(overlays).png().toFile(file);
}

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
