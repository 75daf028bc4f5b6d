import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeModel, floatTensor, floatValueInfo, node } from '../../src/embed/onnx-graph';
import { computeScores, localDatasource, readPredictions } from '../../src/predictions';
import { decodeClassifier, predictImages } from '../../src/predictions/predict-images';
import { FIXTURES } from '../fixture-files';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'winnow-predict-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('predictImages', () => {
  it("writes the default model's ImageNet predictions in Lightly's format, readable and scorable by Winnow", async () => {
    const dir = path.join(root, 'photos');
    await mkdir(path.join(dir, 'sub'), { recursive: true });
    await cp(path.join(FIXTURES, 'model-parity', 'sklearn-flower.png'), path.join(dir, 'flower.png'));
    await cp(path.join(FIXTURES, 'model-parity', 'skimage-chelsea.png'), path.join(dir, 'sub', 'cat.png'));
    await writeFile(path.join(dir, 'broken.png'), 'not a png');
    const result = await predictImages({ inputDir: dir, task: 'imagenet' });
    expect(result).toMatchObject({ task: 'imagenet', categories: 1000, predicted: 2 });
    expect(result.skipped.map((s) => s.file)).toEqual(['broken.png']);
    const { tasks, problems } = await readPredictions(localDatasource(dir));
    expect(problems).toEqual([]);
    const [{ task, images }] = tasks;
    const top = (file: string) => task.categories[images.find((i) => i.file_name === file)!.predictions[0].category_id].name;
    expect(top('flower.png')).toBe('daisy');
    expect(top('sub/cat.png')).toMatch(/cat/);
    const scores = computeScores(task, images);
    for (const s of scores.values()) expect(s.uncertainty_entropy).toBeGreaterThanOrEqual(0);
  });

  it("runs a user's ONNX classifier with softmax decoding, and adds its task to tasks.json", async () => {
    // A two-class "colour" classifier: global average pool of RGB, then logits = [R − G, G − R] × 8.
    const graph = {
      name: 'colour-classifier',
      node: [node('GlobalAveragePool', ['input'], ['pooled'], 'pool'), node('Flatten', ['pooled'], ['flat'], 'flatten'), node('MatMul', ['flat', 'w'], ['logits'], 'head')],
      initializer: [floatTensor('w', [3, 2], Float32Array.of(8, -8, -8, 8, 0, 0))],
      input: [floatValueInfo('input', ['N', 3, 8, 8])],
      output: [floatValueInfo('logits', ['N', 2])],
    };
    const modelFile = path.join(root, 'colour.onnx');
    await writeFile(modelFile, encodeModel(graph, 'winnow-test'));
    const configFile = path.join(root, 'colour.json');
    await writeFile(configFile, JSON.stringify({ taskType: 'classification', categories: ['red', 'green'], decode: 'softmax', model: { size: 8, layout: 'NCHW', scale: 1 / 255 } }));
    const dir = path.join(root, 'colours');
    await mkdir(dir, { recursive: true });
    await sharp({ create: { width: 16, height: 16, channels: 3, background: '#e01010' } }).png().toFile(path.join(dir, 'red.png'));
    await sharp({ create: { width: 16, height: 16, channels: 3, background: '#10e010' } }).png().toFile(path.join(dir, 'green.png'));
    await mkdir(path.join(dir, '.lightly', 'predictions'), { recursive: true });
    await writeFile(path.join(dir, '.lightly', 'predictions', 'tasks.json'), '["earlier"]');
    const result = await predictImages({ inputDir: dir, task: 'colour', model: modelFile, predictorConfig: configFile });
    expect(result.predicted).toBe(2);
    expect(JSON.parse(await readFile(path.join(dir, '.lightly/predictions/tasks.json'), 'utf8'))).toEqual(['earlier', 'colour']);
    const red = JSON.parse(await readFile(path.join(dir, '.lightly/predictions/colour/red.json'), 'utf8'));
    expect(red.file_name).toBe('red.png');
    expect(red.predictions[0].category_id).toBe(0);
    expect(red.predictions[0].probabilities[0]).toBeGreaterThan(0.99);
    await expect(predictImages({ inputDir: dir, task: 'x', model: modelFile })).rejects.toThrow(/needs a predictor config/);
    await writeFile(configFile, JSON.stringify({ taskType: 'classification', categories: ['red'], decode: 'softmax', model: { size: 8, layout: 'NCHW' } }));
    await expect(predictImages({ inputDir: dir, task: 'x', model: modelFile, predictorConfig: configFile })).rejects.toThrow(/colour.json \(column "categories"\)/);
  });

  it('decodes logits with a stable softmax and renormalises probabilities', () => {
    const p = decodeClassifier(Float32Array.of(1000, 998), 'softmax');
    expect(p[0]).toBeCloseTo(1 / (1 + Math.exp(-2)), 9);
    expect(decodeClassifier([0.5, 0.5000001, -1e-7], 'probabilities').reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });
});
