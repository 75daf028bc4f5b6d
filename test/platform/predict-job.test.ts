import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetStorageDir } from '../../src/platform/service/datasets';
import { call, startServer, tempHome, type RunningServer } from './helpers';

const PHOTOS = path.join(__dirname, '..', 'fixtures', 'model-parity');
// ImageNet-1k ids of the cat classes (tabby … Egyptian cat).
const CAT_CLASSES = [281, 282, 283, 284, 285];

/**
 * The REST predict job on a real server: the dataset's eight real photos stored on the platform, one stored file that
 * is not an image, and one sample whose image the platform does not hold. The job runs the default model's ImageNet
 * classifier and stores predictions and scores; what it could not predict is named in its result.
 */
describe('REST predict job', () => {
  let server: RunningServer;
  let cleanup: () => Promise<void>;
  let datasetId: string;
  let photos: string[];

  beforeAll(async () => {
    const home = await tempHome();
    cleanup = home.cleanup;
    server = await startServer(home.home);
    datasetId = (await call(server, 'POST', '/v1/datasets', { name: 'predict-job', type: 'Images' })).body.id;
    const storage = datasetStorageDir(home.home, datasetId);
    await mkdir(path.join(storage, 'photos'), { recursive: true });
    photos = (await readdir(PHOTOS)).filter((f) => f.endsWith('.png')).sort();
    for (const f of photos) await copyFile(path.join(PHOTOS, f), path.join(storage, 'photos', f));
    await writeFile(path.join(storage, 'photos', 'broken.png'), 'not a png');
    const names = [...photos.map((f) => `photos/${f}`), 'photos/broken.png', 'elsewhere/in-s3.png'];
    await call(server, 'POST', `/v1/datasets/${datasetId}/samples/batch`, { samples: names.map((fileName) => ({ fileName })) });
  });
  afterAll(async () => {
    await server?.close();
    await cleanup?.();
  });

  it('refuses a model that is not a built-in classifier, and a task name that could become a path, naming the field', async () => {
    const file = await call(server, 'POST', `/v1/datasets/${datasetId}/predictions/predict`, { task: 'mine', model: '/etc/model.onnx' });
    expect(file.status).toBe(400);
    expect(file.body.error).toMatch(/body.*model.*not a built-in model with a classifier head/);
    const task = await call(server, 'POST', `/v1/datasets/${datasetId}/predictions/predict`, { task: '../up' });
    expect(task.status).toBe(400);
    expect(task.body.error).toMatch(/task/);
  });

  it('predicts the stored images as a job, stores predictions and scores, and names what it skipped', async () => {
    const started = await call(server, 'POST', `/v1/datasets/${datasetId}/predictions/predict`, { task: 'imagenet' });
    expect(started.status).toBe(200);
    let job: { status: string; error?: string; meta: { processed: number } };
    for (;;) {
      job = (await call(server, 'GET', `/v1/jobs/${started.body.jobId}`)).body;
      if (job.status === 'FINISHED' || job.status === 'FAILED') break;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    expect(job.error).toBeUndefined();
    expect(job.status).toBe('FINISHED');
    expect(job.meta.processed).toBe(photos.length);

    const result = (await call(server, 'GET', `/v1/datasets/${datasetId}/predictions/jobs/${started.body.jobId}`)).body;
    expect(result).toMatchObject({ task: 'imagenet', predicted: photos.length, stored: photos.length, notOnPlatform: 1, problems: [] });
    expect(result.scores).toEqual(['uncertainty_least_confidence', 'uncertainty_margin', 'uncertainty_entropy']);
    expect(result.skipped).toEqual([expect.objectContaining({ file: 'photos/broken.png' })]);

    const tasks = (await call(server, 'GET', `/v1/datasets/${datasetId}/predictions/tasks`)).body;
    expect(tasks).toMatchObject([{ name: 'imagenet', task_type: 'classification', count: photos.length }]);
    const cat = (await call(server, 'GET', `/v1/datasets/${datasetId}/predictions/tasks/imagenet`)).body.find((s: { fileName: string }) => s.fileName === 'photos/skimage-chelsea.png');
    expect(CAT_CLASSES).toContain(cat.predictions[0].category_id);
    const entropy = (await call(server, 'GET', `/v1/datasets/${datasetId}/scores?task=imagenet&scoreType=uncertainty_entropy`)).body;
    expect(entropy).toHaveLength(photos.length);
  });
});
