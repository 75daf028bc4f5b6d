import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectPlatform, type PlatformConnection } from '../../../src/platform';
import { parsePipelineConfig } from '../../../src/pipeline/config';
import { openRunFiles } from '../../../src/pipeline/run-files';
import { plainStepContext, predictionsStep } from '../../../src/pipeline/steps';
import { FIXTURES } from '../../fixture-files';
import { detectorConfig, drawImage, quadrantDetector } from '../../predictions/quadrant-detector';

let root: string;
let platform: PlatformConnection;
let datasetId: string;
const IMAGES = ['flower.png', 'sub/cat.png'];

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'winnow-predictions-step-'));
  await mkdir(path.join(root, 'images', 'sub'), { recursive: true });
  await cp(path.join(FIXTURES, 'model-parity', 'sklearn-flower.png'), path.join(root, 'images', 'flower.png'));
  await cp(path.join(FIXTURES, 'model-parity', 'skimage-chelsea.png'), path.join(root, 'images', 'sub', 'cat.png'));
  platform = await connectPlatform({ home: path.join(root, 'home') });
  datasetId = (await platform.client.createDataset('predictions-step')).id;
  await platform.client.createSamples(datasetId, IMAGES.map((fileName) => ({ fileName })));
});
afterAll(async () => {
  await platform?.close();
  await rm(root, { recursive: true, force: true });
});

function context(predictions: Record<string, unknown>, folder = path.join(root, 'images'), selection?: Record<string, unknown>) {
  const config = parsePipelineConfig({
    dataset: 'predictions-step',
    source: { folder },
    ...(selection === undefined ? {} : { selection }),
    select: 1,
    tag: { name: 'picks' },
    platform: { home: path.join(root, 'home') },
    workDir: path.join(root, 'work'),
    predictions,
  });
  return plainStepContext({
    config,
    runKey: 'run-1',
    files: openRunFiles(config, 'run-1', { workRoot: path.join(root, 'work') }),
    usePlatform: (fn) => fn(platform),
    s3Settings: () => ({}),
  });
}

describe('predictionsStep (pipeline)', () => {
  it("runs the default model's classifier over a folder source and stores predictions and scores on the dataset", async () => {
    const result = await predictionsStep(context({ model: 'default', task: 'imagenet' }), datasetId);
    expect(result.tasks).toEqual([{ name: 'imagenet', stored: 2, scores: ['uncertainty_least_confidence', 'uncertainty_margin', 'uncertainty_entropy'] }]);
    expect(result.problems).toBe(0);
    const scores = await platform.client.getScores(datasetId, { task: 'imagenet', scoreType: 'uncertainty_entropy' });
    expect(scores.map((s) => s.fileName)).toEqual(IMAGES);
  });

  it("reads Lightly-format predictions from the source's .lightly folder, counting bad files and storing the rest", async () => {
    const base = path.join(root, 'images', '.lightly', 'predictions');
    await mkdir(path.join(base, 'det'), { recursive: true });
    await writeFile(path.join(base, 'tasks.json'), JSON.stringify(['det']));
    await writeFile(path.join(base, 'det', 'schema.json'), JSON.stringify({ task_type: 'object-detection', categories: [{ id: 0, name: 'flower' }] }));
    await writeFile(path.join(base, 'det', 'flower.json'), JSON.stringify({ file_name: 'flower.png', predictions: [{ category_id: 0, bbox: [10, 10, 50, 50], score: 0.8 }] }));
    await writeFile(path.join(base, 'det', 'cat.json'), JSON.stringify({ file_name: 'cat.png', predictions: [{ category_id: 0, bbox: [0, 0, 10, 10], score: 2 }] }));
    const result = await predictionsStep(context({}), datasetId);
    expect(result.tasks).toEqual([{ name: 'det', stored: 1, scores: ['object_frequency', 'objectness_least_confidence'] }]);
    expect(result.problems).toBe(1);
    expect(result.problemFiles[0]).toMatch(/det\/cat.json$/);
  });

  it('runs a detector and, when the selection selects through its objects, embeds and stores the object crops', async () => {
    const folder = path.join(root, 'colours');
    await mkdir(folder, { recursive: true });
    const red = { left: 0, top: 0, width: 32, height: 24, colour: '#ff0000' };
    await drawImage(path.join(folder, 'red.png'), 64, 48, [red]);
    await drawImage(path.join(folder, 'both.png'), 64, 48, [red, { left: 32, top: 24, width: 32, height: 24, colour: '#00ff00' }]);
    await writeFile(path.join(root, 'det.onnx'), quadrantDetector());
    await writeFile(path.join(root, 'det.json'), JSON.stringify(detectorConfig));
    const colours = (await platform.client.createDataset('colours')).id;
    await platform.client.createSamples(colours, ['red.png', 'both.png'].map((fileName) => ({ fileName })));
    const selection = { n: 1, strategies: [{ input: { type: 'EMBEDDINGS', task: 'det' }, strategy: { type: 'DIVERSITY' } }] };
    const result = await predictionsStep(context({ model: path.join(root, 'det.onnx'), modelConfig: path.join(root, 'det.json'), task: 'det' }, folder, selection), colours);
    expect(result.tasks).toEqual([{ name: 'det', stored: 2, scores: ['object_frequency', 'objectness_least_confidence', 'uncertainty_least_confidence', 'uncertainty_margin', 'uncertainty_entropy'] }]);
    // The platform now holds the three crops' embeddings (both.png#0, both.png#1, red.png#0) for the select step.
    const stored = await readFile(path.join(root, 'home', 'storage', colours, 'object-embeddings', 'det.csv'), 'utf8');
    expect(stored.trim().split('\n').slice(1).map((line) => line.split(',')[0]).sort()).toEqual(['both.png#0', 'both.png#1', 'red.png#0']);
  });
});
