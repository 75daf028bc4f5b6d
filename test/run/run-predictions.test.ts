import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectPlatform } from '../../src/platform';
import { runPipeline } from '../../src/run/run-pipeline';
import { FIXTURES } from '../fixture-files';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'winnow-run-predictions-'));
  await cp(path.join(FIXTURES, 'model-parity'), path.join(work, 'images'), { recursive: true });
});
afterAll(() => rm(work, { recursive: true, force: true }));

describe('winnow run with predictions', () => {
  it("predicts with the default model's classifier, stores the scores and selects the most uncertain images by them", async () => {
    const connection = await connectPlatform({ home: path.join(work, 'home') });
    try {
      const summary = await runPipeline({
        input: path.join(work, 'images'),
        dataset: 'predicted',
        select: 2,
        selectionConfig: { strategies: [{ input: { type: 'SCORES', task: 'imagenet', score: 'uncertainty_entropy' }, strategy: { type: 'WEIGHTS' } }] },
        tagName: 'uncertain',
        predictions: { model: 'default', task: 'imagenet' },
        connection,
      });
      expect(summary.selected).toBe(2);
      const { client } = connection;
      const dataset = await client.getDatasetByName('predicted');
      const scores = await client.getScores(dataset.id, { task: 'imagenet', scoreType: 'uncertainty_entropy' });
      expect(scores).toHaveLength(8);
      const mostUncertain = [...scores].sort((a, b) => b.value - a.value).slice(0, 2).map((s) => s.fileName).sort();
      expect([...(await client.exportFilenamesByTagName(dataset.id, 'uncertain'))].sort()).toEqual(mostUncertain);
    } finally {
      await connection.close();
    }
  });
});
