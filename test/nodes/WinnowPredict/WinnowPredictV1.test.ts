import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { NodeOperationError } from 'n8n-workflow';
import { beforeAll, describe, expect, it } from 'vitest';
import { WinnowPredict } from '../../../nodes/WinnowPredict/WinnowPredict.node';
import { executeNode } from '../fake-context';
import { usePlatformFixture } from '../platform-fixture';

const node = new WinnowPredict().nodeVersions[1];
const PHOTOS = path.join(__dirname, '..', '..', 'fixtures', 'model-parity');
// ImageNet-1k ids of the cat classes (tabby … Egyptian cat).
const CAT_CLASSES = [281, 282, 283, 284, 285];

/**
 * The Predict node on the eight real photos of test/fixtures/model-parity (plus one file that is not an image), with
 * the default model's ImageNet classifier, storing on a real platform server whose dataset lacks one of the photos.
 */
describe('Winnow Predict V1', () => {
  const platform = usePlatformFixture();
  let images: string;
  let photos: string[];

  beforeAll(async () => {
    images = path.join(platform.work, 'predict-images');
    await mkdir(images, { recursive: true });
    photos = (await readdir(PHOTOS)).filter((f) => f.endsWith('.png')).sort();
    for (const f of photos) await copyFile(path.join(PHOTOS, f), path.join(images, f));
    await writeFile(path.join(images, 'broken.png'), 'not a png');
  });

  it('writes Lightly predictions, skips the broken image by name, and stores the rest on a dataset with their scores', async () => {
    const datasetId = (await platform.client.createDataset('node-predict')).id;
    // The dataset lacks one photo: its prediction is reported by name, every other one is stored.
    const missing = 'sklearn-flower.png';
    await platform.client.createSamples(datasetId, photos.filter((f) => f !== missing).map((fileName) => ({ fileName })));
    // A file left in the task's folder that is not valid JSON (a crashed copy, say): named, and loses nothing else.
    await mkdir(path.join(images, '.lightly', 'predictions', 'imagenet'), { recursive: true });
    await writeFile(path.join(images, '.lightly', 'predictions', 'imagenet', 'left-over.json'), '{"file_name": "left-over.png", "predictions": [');
    const [item] = await executeNode(node, {
      items: [{ json: { imageFolder: images, runId: 'r1' } }],
      parameters: { imageFolder: images, task: 'imagenet', model: 'default', modelConfig: '', outputFolder: '', storeOnPlatform: true, datasetId },
      credentials: platform.credentials,
    });
    expect(item.json).toMatchObject({
      runId: 'r1',
      task: 'imagenet',
      taskType: 'classification',
      categories: 1000,
      predicted: photos.length,
      skipped: 1,
      datasetId,
      stored: photos.length - 1,
      scores: ['uncertainty_least_confidence', 'uncertainty_margin', 'uncertainty_entropy'],
      problems: 2,
      predictionsDir: path.join(images, '.lightly', 'predictions'),
    });
    expect(item.json.skippedFiles).toEqual([expect.objectContaining({ file: 'broken.png' })]);
    expect(item.json.problemFiles).toEqual([
      { file: path.join(images, '.lightly', 'predictions', 'imagenet', 'left-over.json'), message: expect.stringContaining('left-over.json') },
      { file: `imagenet/${missing}`, message: `no sample named "${missing}" in the dataset` },
    ]);
    // The files are Lightly's format, and the real classifier calls the cat a cat.
    const chelsea = JSON.parse(await readFile(path.join(images, '.lightly', 'predictions', 'imagenet', 'skimage-chelsea.json'), 'utf8')) as { predictions: { category_id: number }[] };
    expect(CAT_CLASSES).toContain(chelsea.predictions[0].category_id);
    const scores = await platform.client.getScores(datasetId, { task: 'imagenet', scoreType: 'uncertainty_entropy' });
    expect(scores.map((s) => s.fileName).sort()).toEqual(photos.filter((f) => f !== missing));
  });

  it('names a missing model config file', async () => {
    const error = await executeNode(node, {
      parameters: { imageFolder: images, task: 'mine', model: path.join(images, 'my.onnx'), modelConfig: path.join(images, 'nope.json'), outputFolder: '', storeOnPlatform: false },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeOperationError);
    expect((error as Error).message).toContain('nope.json');
  });
});
