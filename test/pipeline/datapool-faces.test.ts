import { cp, readFile } from 'node:fs/promises';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WinnowSaveEmbeddings } from '../../nodes/WinnowSaveEmbeddings/WinnowSaveEmbeddings.node';
import { WinnowSelect } from '../../nodes/WinnowSelect/WinnowSelect.node';
import { WinnowTag } from '../../nodes/WinnowTag/WinnowTag.node';
import { parsePipelineConfig } from '../../src/pipeline/config';
import { connectPlatform } from '../../src/platform';
import { runPipeline } from '../../src/run/run-pipeline';
import { curationPipeline, type PipelineResult } from '../../workflows/curation-pipeline';
import { executeNode } from '../nodes/fake-context';
import { startPlatformFixture, type PlatformFixture } from '../nodes/platform-fixture';
import { sharedMinio, uniqueBucket } from '../s3/minio-fixtures';
import { uploadFolder, writeImages } from '../worker/image-fixtures';
import { s3ProfileEnv, tagFileNames, useTemporalPipeline, withPipelineWorker } from '../worker/pipeline-worker';

// One incremental scenario through the three faces — `winnow run`, the Temporal pipeline, and n8n's Save Embeddings →
// Select → Tag nodes: 24 images, pick 4 (tag picks-1); 8 more arrive, pick 4 more with the earlier picks as the
// datapool (tag picks-2). The datapool is one engine definition (tags matching `picks-*`), so the faces pick the same
// images. The pipeline's tags are cumulative (picks-2 holds picks-1's images); the n8n Tag node tags the new picks only.

const s3 = sharedMinio();
const tmp = mkdtempSync(path.join(os.tmpdir(), 'winnow-datapool-faces-'));
const bucket = uniqueBucket('faces');
let n8nPlatform: PlatformFixture;

const temporal = useTemporalPipeline({
  buckets: [bucket],
  setup: async () => {
    n8nPlatform = await startPlatformFixture();
    await writeImages(path.join(tmp, 'night1'), 24, { seed: 31 });
    await writeImages(path.join(tmp, 'night2'), 8, { seed: 32, firstIndex: 1000 });
  },
});
afterAll(() => n8nPlatform?.close());

describe('the datapool through winnow run, Temporal and n8n', () => {
  it('picks the same images on the incremental run, whichever face runs it', { timeout: 600_000 }, async () => {
    // winnow run on a folder that grows between the runs.
    const cliHome = path.join(tmp, 'cli-home');
    const folder = path.join(tmp, 'cli-images');
    await cp(path.join(tmp, 'night1'), folder, { recursive: true });
    const runCli = async (tagName: string) => {
      const connection = await connectPlatform({ home: cliHome });
      try {
        return await runPipeline({ input: folder, dataset: 'pool', select: 4, tagName, incremental: true, datapoolTags: 'picks-*', upload: 'metadata', connection });
      } finally {
        await connection.close();
      }
    };
    const cli1 = await runCli('picks-1');
    // The run folder's CSV is the next run's too: keep this run's embeddings for the n8n face.
    const cli1Csv = path.join(tmp, 'cli-run1.csv');
    await cp(cli1.csvPath, cli1Csv);
    await cp(path.join(tmp, 'night2'), folder, { recursive: true });
    const cli2 = await runCli('picks-2');
    const cliPicks1 = await tagFileNames(cliHome, 'pool', 'picks-1');
    const cliPicks2 = await tagFileNames(cliHome, 'pool', 'picks-2');

    // The Temporal pipeline on a bucket that grows between the runs.
    const temporalHome = path.join(tmp, 'temporal-home');
    await uploadFolder(s3, path.join(tmp, 'night1'), bucket);
    const config = (tag: string) =>
      parsePipelineConfig({
        dataset: 'pool',
        source: { bucket, profile: 'faces' },
        select: 4,
        tag: { name: tag },
        datapool: { tags: 'picks-*' },
        incremental: true,
        upload: 'metadata',
        platform: { home: temporalHome },
      });
    const { env } = temporal;
    const worker = { queue: 'faces', workRoot: path.join(tmp, 'temporal-work'), workerEnv: s3ProfileEnv('faces', s3) };
    const [temporal1, temporal2] = await withPipelineWorker(env, worker, async (taskQueue) => {
      const run = (tag: string): Promise<PipelineResult> =>
        env.client.workflow.execute(curationPipeline, { taskQueue, workflowId: `${taskQueue}-${tag}`, args: [{ config: config(tag) }] });
      const first = await run('picks-1');
      await uploadFolder(s3, path.join(tmp, 'night2'), bucket);
      return [first, await run('picks-2')];
    });

    // n8n: the same embeddings saved, selected with the datapool of earlier `picks-` tags, tagged.
    const nodes = { save: new WinnowSaveEmbeddings().nodeVersions[1], select: new WinnowSelect().nodeVersions[1], tag: new WinnowTag().nodeVersions[1] };
    const credentials = n8nPlatform.credentials;
    const runN8n = async (inputCsv: string, tagName: string) => {
      const [saved] = await executeNode(nodes.save, {
        parameters: { operation: 'save', inputSource: 'path', inputCsv, outputCsv: path.join(n8nPlatform.work, `${tagName}.csv`), uploadToPlatform: true, datasetName: 'pool' },
        credentials,
      });
      const selectionFile = path.join(n8nPlatform.work, `${tagName}.txt`);
      await executeNode(nodes.select, {
        parameters: {
          embeddingsCsv: saved.json.embeddingsCsv,
          strategy: 'coverage-diversity', // the node's default, as winnow run and the pipeline config have it
          numberOfSamples: 4,
          datapool: 'platformTags',
          datasetId: saved.json.datasetId,
          datapoolTagPrefix: 'picks-',
          selectionFile,
          options: {},
        },
        credentials,
      });
      await executeNode(nodes.tag, { parameters: { datasetId: saved.json.datasetId, tagName, selectionSource: 'file', selectionFile, ifExists: 'fail', options: {} }, credentials });
      return (await readFile(selectionFile, 'utf8')).trim().split('\n').sort();
    };
    const n8nPicks1 = await runN8n(cli1Csv, 'picks-1');
    const n8nPicks2 = await runN8n(cli2.csvPath, 'picks-2');

    expect(cli2).toMatchObject({ imagesFound: 32, embedded: 32 });
    expect(temporal2).toMatchObject({ status: 'completed', images: 32, embedded: 8, rows: 32 });
    expect(cliPicks1).toHaveLength(4);
    expect(cliPicks2).toHaveLength(8);
    expect(cliPicks2).toEqual(expect.arrayContaining(cliPicks1));
    expect(await tagFileNames(temporalHome, 'pool', temporal1.tag!.name)).toEqual(cliPicks1);
    expect(await tagFileNames(temporalHome, 'pool', temporal2.tag!.name)).toEqual(cliPicks2);
    expect(n8nPicks1).toEqual(cliPicks1);
    expect([...n8nPicks1, ...n8nPicks2].sort()).toEqual(cliPicks2);
  });
});
