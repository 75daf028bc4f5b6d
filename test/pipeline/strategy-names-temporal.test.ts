import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { parsePipelineConfig } from '../../src/pipeline/config';
import { connectPlatform } from '../../src/platform';
import { parseSelectionConfig, selectFromFiles } from '../../src/select';
import { failureMessage } from '../../worker/client';
import { curationPipeline, type PipelineResult } from '../../workflows/curation-pipeline';
import { sharedMinio, uniqueBucket } from '../s3/minio-fixtures';
import { uploadFolder, writeImages } from '../worker/image-fixtures';
import { s3ProfileEnv, useTemporalPipeline, withPipelineWorker } from '../worker/pipeline-worker';

// The new strategy names through the Temporal face: a pipeline config naming `typicality`, and one with a
// TYPICALITY/COVERAGE strategies list, run by the real activities (MinIO, the Temporal dev server, the embedded
// platform); each tag holds exactly what the engine selects from the run's own embeddings CSV with that config.
// A misspelt name fails the check step, before any image is copied, naming the field.

const s3 = sharedMinio();
const tmp = mkdtempSync(path.join(os.tmpdir(), 'winnow-strategy-names-'));
const bucket = uniqueBucket('names');
const temporal = useTemporalPipeline({
  buckets: [bucket],
  setup: async () => {
    await writeImages(path.join(tmp, 'images'), 16, { seed: 41 });
    await uploadFolder(s3, path.join(tmp, 'images'), bucket);
  },
});

describe('new selection strategy names in a Temporal pipeline config', () => {
  it('selects with typicality and with a COVERAGE + TYPICALITY list, and refuses an unknown name at the check step', { timeout: 300_000 }, async () => {
    const home = path.join(tmp, 'home');
    const config = (tag: string, selection: Record<string, unknown>) =>
      parsePipelineConfig({ dataset: 'names', source: { bucket, profile: 'names' }, select: 4, selection, tag: { name: tag }, platform: { home } });
    const typicality = { strategy: 'typicality' };
    const list = {
      strategies: [
        { input: { type: 'EMBEDDINGS' }, strategy: { type: 'COVERAGE', kernelWidth: 0.5 } },
        { input: { type: 'EMBEDDINGS' }, strategy: { type: 'TYPICALITY', strength: 0.5 } },
      ],
    };
    const { env } = temporal;
    const worker = { queue: 'names', workRoot: path.join(tmp, 'work'), workerEnv: s3ProfileEnv('names', s3) };
    const { typical, covering, failure } = await withPipelineWorker(env, worker, async (taskQueue) => {
      const run = (tag: string, selection: Record<string, unknown>): Promise<PipelineResult> =>
        env.client.workflow.execute(curationPipeline, { taskQueue, workflowId: `${taskQueue}-${tag}`, args: [{ config: config(tag, selection) }] });
      return {
        typical: await run('typical', typicality),
        covering: await run('covering', list),
        failure: await run('misspelt', { strategy: 'typicalty' }).catch((e: unknown) => e),
      };
    });

    const { client, close } = await connectPlatform({ home });
    try {
      const datasetId = (await client.getDatasetByName('names')).id;
      for (const [result, selection] of [[typical, typicality], [covering, list]] as const) {
        expect(result).toMatchObject({ status: 'completed', images: 16, selected: 4 });
        const engine = await selectFromFiles({ embeddingsPath: result.csvFile!, config: parseSelectionConfig({ ...selection, n: 4 }) });
        expect((await client.exportFilenamesByTagName(datasetId, result.tag!.name)).sort()).toEqual([...engine.selected].sort());
      }
    } finally {
      await close();
    }
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect(failureMessage(failure)).toMatch(/pipeline config "selection": strategy: unknown strategy "typicalty"/);
  });
});
