import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { parsePipelineConfig, type PipelineConfig } from '../../src/pipeline/config';
import { connectPlatform } from '../../src/platform';
import type { PipelineResult } from '../../workflows/curation-pipeline';
import { sharedMinio, uniqueBucket } from '../s3/minio-fixtures';
import { uploadFolder } from './image-fixtures';
import { runPipelineOnTemporal, s3ProfileEnv, tagFileNames, useTemporalPipeline } from './pipeline-worker';

/**
 * The Temporal pipeline's optional predictions step with the real activities, over a MinIO bucket of real photos
 * (the eight of test/fixtures/model-parity and their grey copies): (1) `predictions.model: "default"` runs the default
 * model's ImageNet classifier over the synced images and SCORES inputs select by its uncertainty; (2) predictions read
 * from an S3 datasource in Lightly's format with two bad files: the run completes, the bad files are named in the
 * result, every other prediction is stored and a PREDICTIONS input balances by them.
 */

const PHOTOS = path.join(__dirname, '..', 'fixtures', 'model-parity');
const s3 = sharedMinio();
const bucket = uniqueBucket('pipeline-predictions');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'winnow-pipeline-predictions-'));
const workerEnv = s3ProfileEnv('pred', s3);

let names: string[];

const temporal = useTemporalPipeline({ buckets: [bucket], timeout: 240_000, setup: writePhotosAndPredictions });

async function writePhotosAndPredictions(): Promise<void> {
  const src = path.join(tmp, 'src');
  mkdirSync(src, { recursive: true });
  names = [];
  for (const file of readdirSync(PHOTOS).filter((f) => f.endsWith('.png'))) {
    const base = file.replace(/\.png$/, '');
    await sharp(path.join(PHOTOS, file)).resize(224, 224, { fit: 'inside' }).jpeg().toFile(path.join(src, `${base}.jpg`));
    await sharp(path.join(PHOTOS, file)).resize(224, 224, { fit: 'inside' }).greyscale().jpeg().toFile(path.join(src, `${base}-grey.jpg`));
    names.push(`${base}.jpg`, `${base}-grey.jpg`);
  }
  names.sort();
  await uploadFolder(s3, src, bucket, 'photos/');

  // Lightly-format predictions of a two-class task in the bucket: cat photos (chelsea) vs the rest, one file with
  // probabilities that do not sum to 1 and one for an image the dataset does not have.
  const preds = path.join(tmp, 'preds', '.lightly', 'predictions');
  mkdirSync(path.join(preds, 'labels'), { recursive: true });
  writeFileSync(path.join(preds, 'tasks.json'), JSON.stringify(['labels']));
  writeFileSync(path.join(preds, 'labels', 'schema.json'), JSON.stringify({ task_type: 'classification', categories: [{ id: 0, name: 'cat' }, { id: 1, name: 'other' }] }));
  for (const name of names) {
    const cat = name.startsWith('skimage-chelsea');
    writeFileSync(path.join(preds, 'labels', name.replace(/\.jpg$/, '.json')), JSON.stringify({ file_name: name, predictions: [{ category_id: cat ? 0 : 1, probabilities: cat ? [0.9, 0.1] : [0.2, 0.8] }] }));
  }
  writeFileSync(path.join(preds, 'labels', 'skimage-coffee.json'), JSON.stringify({ file_name: 'skimage-coffee.jpg', predictions: [{ category_id: 1, probabilities: [0.5, 0.8] }] }));
  writeFileSync(path.join(preds, 'labels', 'not-in-bucket.json'), JSON.stringify({ file_name: 'not-in-bucket.jpg', predictions: [{ category_id: 1, probabilities: [0.1, 0.9] }] }));
  await uploadFolder(s3, path.join(tmp, 'preds'), bucket, 'preds/');
}

function pipelineConfig(home: string, overrides: Record<string, unknown>): PipelineConfig {
  return parsePipelineConfig({
    dataset: 'predicted',
    source: { bucket, prefix: 'photos/', profile: 'pred' },
    select: 4,
    tag: { name: 'picked' },
    platform: { home },
    embed: { batchSize: 8, shardSize: 8, maxParallelShards: 2 },
    ...overrides,
  });
}

/** → the result of a pipeline run expected to complete (its failure thrown otherwise) */
async function runOnTemporal(config: PipelineConfig, workRoot: string): Promise<PipelineResult> {
  const { result, error } = await runPipelineOnTemporal(temporal.env, config, { queue: 'pred', workRoot, workerEnv, maxConcurrentActivityTaskExecutions: 2 });
  if (result === undefined) throw error;
  return result;
}

describe('the Temporal pipeline’s predictions step, end to end', () => {
  it('runs the default classifier over the synced bucket images, stores its scores, and SCORES inputs select by them', { timeout: 300_000 }, async () => {
    const home = path.join(tmp, 'home-model');
    const result = await runOnTemporal(
      pipelineConfig(home, {
        predictions: { task: 'imagenet', model: 'default' },
        selection: {
          strategies: [
            { input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY' } },
            { input: { type: 'SCORES', task: 'imagenet', score: 'uncertainty_entropy' }, strategy: { type: 'WEIGHTS' } },
          ],
        },
      }),
      path.join(tmp, 'work-model'),
    );
    expect(result).toMatchObject({ status: 'completed', images: names.length, rows: names.length, selected: 4, tag: { name: 'picked', count: 4 } });
    expect(result.predictions).toEqual({
      tasks: [{ name: 'imagenet', stored: names.length, scores: ['uncertainty_least_confidence', 'uncertainty_margin', 'uncertainty_entropy'] }],
      problems: 0,
      problemFiles: [],
    });
    const { client, close } = await connectPlatform({ home });
    try {
      const dataset = await client.getDatasetByName('predicted');
      expect(await client.getScores(dataset.id, { task: 'imagenet', scoreType: 'uncertainty_entropy' })).toHaveLength(names.length);
    } finally {
      await close();
    }
  });

  it('reads Lightly predictions from S3: two bad files named, the run completes, the rest stored, PREDICTIONS balance by them', { timeout: 300_000 }, async () => {
    const home = path.join(tmp, 'home-datasource');
    const result = await runOnTemporal(
      pipelineConfig(home, {
        predictions: { datasource: `s3://${bucket}/preds/` },
        selection: { strategies: [{ input: { type: 'PREDICTIONS', task: 'labels', name: 'CLASS_DISTRIBUTION' }, strategy: { type: 'BALANCE', target: { cat: 0.5, other: 0.5 } } }] },
      }),
      path.join(tmp, 'work-datasource'),
    );
    expect(result).toMatchObject({ status: 'completed', rows: names.length, selected: 4 });
    expect(result.predictions?.tasks).toEqual([{ name: 'labels', stored: names.length - 1, scores: ['uncertainty_least_confidence', 'uncertainty_margin', 'uncertainty_entropy'] }]);
    expect(result.predictions?.problems).toBe(2);
    expect(result.predictions?.problemFiles).toEqual(expect.arrayContaining([expect.stringContaining('skimage-coffee.json'), 'labels/not-in-bucket.jpg']));
    // Half cats: the two chelsea photos (the only predicted cats) are both picked.
    const picked = await tagFileNames(home, 'predicted', 'picked');
    expect(picked.filter((n) => n.startsWith('skimage-chelsea'))).toEqual(['skimage-chelsea-grey.jpg', 'skimage-chelsea.jpg']);
  });
});
