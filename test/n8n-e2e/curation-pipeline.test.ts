import { execFileSync } from 'node:child_process';
import { readFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PutObjectCommand, CreateBucketCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatCustomMetadata, saveCustomMetadata } from '../../src/metadata';
import { createHttpClient } from '../../src/platform/client/http-client';
import type { PlatformClient } from '../../src/platform/client/platform-client';
import { indicesFromBitmask } from '../../src/tags';
import { writeImages } from '../nodes/image-fixtures';
import { minioClient, minioCredentials } from '../nodes/s3-fixtures';
import { startServer, tempHome, type RunningServer } from '../platform/helpers';
import {
  REPO,
  findN8nHost,
  killRunningN8n,
  installIntoN8n,
  outputOf,
  packPackage,
  parseRunOutput,
  runN8n,
  type ExecutionResult,
  type N8nHost,
} from './n8n-host';

// Small on purpose: the point is n8n loading and running the real nodes, not throughput (see bench/).
const IMAGE_COUNT = 40;
const SELECT = 10;

interface Fixture {
  work: string;
  nodesDir: string;
  bucket: string;
  metadataFile: string;
  server: RunningServer;
  platform: PlatformClient;
  cleanup(): Promise<void>;
}

let fixture: Fixture;

async function uploadImages(bucket: string, dir: string, names: string[], prefix: string): Promise<void> {
  const client = minioClient();
  try {
    for (const name of names) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}/${name}`, Body: await readFile(path.join(dir, name)) }));
    }
  } finally {
    client.destroy();
  }
}

beforeAll(async () => {
  const work = await mkdtemp(path.join(tmpdir(), 'winnow-n8n-e2e-'));
  const tarball = await packPackage(path.join(work, 'pack'));
  const nodesDir = await installIntoN8n(tarball);

  const bucket = `n8n-e2e-${Date.now().toString(36)}`;
  const s3 = minioClient();
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  s3.destroy();
  const imagesDir = path.join(work, 'source-images');
  const names = await writeImages(imagesDir, IMAGE_COUNT);
  await uploadImages(bucket, imagesDir, names, 'farm');
  const metadataFile = path.join(work, 'metadata.json');
  await saveCustomMetadata(
    metadataFile,
    formatCustomMetadata(names.map((name, i) => [name, { weather: i % 3 === 0 ? 'rain' : 'sun', animals: i % 5 }])),
  );

  const home = await tempHome();
  const server = await startServer(home.home);
  const platform = createHttpClient({ baseUrl: server.baseUrl, token: server.token });
  fixture = {
    work,
    nodesDir,
    bucket,
    metadataFile,
    server,
    platform,
    async cleanup() {
      await platform.close();
      await server.close();
      await home.cleanup();
      await rm(work, { recursive: true, force: true, maxRetries: 5 });
    },
  };
}, 900_000);

afterAll(async () => {
  killRunningN8n();
  await fixture?.cleanup();
});

/** A fresh n8n user folder with the installed package linked in as ~/.n8n/nodes. */
async function userFolderFor(host: N8nHost): Promise<string> {
  const folder = path.join(fixture.work, `user-${host.name}`);
  await mkdir(path.join(folder, '.n8n'), { recursive: true });
  await symlink(fixture.nodesDir, path.join(folder, '.n8n', 'nodes'));
  return folder;
}

async function importCredentials(host: N8nHost, userFolder: string): Promise<void> {
  const credentials = [
    { id: 'winnowS3Cred0001', name: 'Winnow S3', type: 'winnowS3', data: minioCredentials() },
    { id: 'winnowApiCred001', name: 'Winnow API', type: 'winnowApi', data: { baseUrl: fixture.server.baseUrl, apiToken: fixture.server.token } },
  ];
  const file = path.join(userFolder, 'credentials.json');
  await writeFile(file, JSON.stringify(credentials));
  const result = await runN8n(host, userFolder, ['import:credentials', `--input=${file}`]);
  expect(result.code, result.stderr + result.stdout).toBe(0);
}

/**
 * Imports the example workflows in one n8n start (each start costs seconds), each with its "Pipeline Settings" node
 * pointed at this test's bucket, folders and dataset. Returns the workflow ids by file name.
 */
async function importExamples(host: N8nHost, userFolder: string, settings: Record<string, Record<string, unknown>>): Promise<Record<string, string>> {
  const dir = path.join(userFolder, 'workflows');
  await mkdir(dir, { recursive: true });
  const ids: Record<string, string> = {};
  for (const [example, overrides] of Object.entries(settings)) {
    const workflow = JSON.parse(await readFile(path.join(REPO, 'examples', 'n8n', example), 'utf8')) as {
      id: string;
      nodes: Array<{ name: string; parameters: Record<string, unknown> }>;
    };
    const settingsNode = workflow.nodes.find((node) => node.name === 'Pipeline Settings');
    if (!settingsNode) throw new Error(`${example} has no "Pipeline Settings" node`);
    settingsNode.parameters.jsonOutput = JSON.stringify({ ...JSON.parse(String(settingsNode.parameters.jsonOutput)), ...overrides });
    await writeFile(path.join(dir, example), JSON.stringify(workflow));
    ids[example] = workflow.id;
  }
  const result = await runN8n(host, userFolder, ['import:workflow', '--separate', `--input=${dir}`]);
  expect(result.code, result.stderr + result.stdout).toBe(0);
  return ids;
}

async function execute(host: N8nHost, userFolder: string, workflowId: string): Promise<ExecutionResult> {
  const result = await runN8n(host, userFolder, ['execute', `--id=${workflowId}`, '--rawOutput']);
  let parsed: ExecutionResult;
  try {
    parsed = parseRunOutput(result.stdout);
  } catch (error) {
    throw new Error(`n8n execute exited ${result.code} without a run result\n${result.stderr.slice(-3000)}\n${(error as Error).message}`);
  }
  const failure = parsed.data.resultData.error;
  expect(failure, failure ? `${failure.node?.name ?? ''}: ${failure.message} ${failure.description ?? ''}` : '').toBeUndefined();
  expect(result.code, `n8n execute exited ${result.code}\n${result.stderr.slice(-3000)}`).toBe(0);
  return parsed;
}

async function tagSize(datasetId: string, tagName: string): Promise<number> {
  const tag = await fixture.platform.getTagByName(datasetId, tagName);
  return indicesFromBitmask(tag.bitMaskData).length;
}

for (const hostName of ['current', 'oldest'] as const) {
  describe(`n8n ${hostName} host`, () => {
    let host: N8nHost;
    let userFolder: string;
    let ids: Record<string, string>;
    const pipelineDataset = `farm-${hostName}`;
    const nightlyDataset = `nightly-${hostName}`;

    beforeAll(async () => {
      host = await findN8nHost(hostName);
      userFolder = await userFolderFor(host);
      await importCredentials(host, userFolder);
      ids = await importExamples(host, userFolder, {
        'curation-pipeline.json': {
          bucket: fixture.bucket,
          prefix: 'farm',
          workDir: path.join(fixture.work, `run-${hostName}`),
          datasetName: pipelineDataset,
          metadataFile: fixture.metadataFile,
          numberOfSamples: SELECT,
          tagName: 'to-label',
          // The fixture's generated images share one layout and look alike to the model: at the real-photo defaults
          // (0.95 / 0.8) most would be near duplicates of each other. Only true copies count here.
          nearDuplicateThreshold: 0.999,
          layoutThreshold: 0.999,
        },
        'scheduled-curation.json': {
          bucket: fixture.bucket,
          prefix: 'farm',
          workDir: path.join(fixture.work, `nightly-${hostName}`),
          datasetName: nightlyDataset,
          numberOfSamples: 5,
          tagPrefix: 'nightly-',
        },
      });
    }, 1_200_000);
    afterAll(() => killRunningN8n());

    it('runs n8n on Node 24 from the host', () => {
      expect(execFileSync(host.node, ['--version'], { encoding: 'utf8' }).trim()).toMatch(/^v24\./);
      expect(host.version).toMatch(/^2\./);
    });

    it('runs examples/n8n/curation-pipeline.json end to end against MinIO and the platform', async () => {
      const result = await execute(host, userFolder, ids['curation-pipeline.json']);

      expect(outputOf(result, 'Winnow S3 Sync')).toMatchObject({ listed: IMAGE_COUNT, downloaded: IMAGE_COUNT, failed: 0 });
      expect(outputOf(result, 'Winnow Embed')).toMatchObject({ total: IMAGE_COUNT, embedded: IMAGE_COUNT, skipped: 0 });
      const saved = outputOf(result, 'Winnow Save Embeddings');
      expect(saved).toMatchObject({ rows: IMAGE_COUNT, samples: IMAGE_COUNT, datasetName: pipelineDataset });
      expect(outputOf(result, 'Winnow Upload Metadata')).toMatchObject({ entries: IMAGE_COUNT, updated: IMAGE_COUNT });
      const health = outputOf(result, 'Winnow Health');
      expect(health).toMatchObject({ images: IMAGE_COUNT, allEmbeddingsCsv: expect.stringMatching(/embeddings\.csv$/) });
      expect(Number(health.remaining) + Number(health.duplicatesRemoved)).toBe(IMAGE_COUNT);
      // The default model's ImageNet head predicts every synced image; the predictions and their scores are stored.
      expect(outputOf(result, 'Winnow Predict')).toMatchObject({ task: 'imagenet', predicted: IMAGE_COUNT, skipped: 0, stored: IMAGE_COUNT, problems: 0 });
      expect(outputOf(result, 'Winnow Select')).toMatchObject({ selected: SELECT, candidates: health.remaining });
      expect(outputOf(result, 'Winnow Tag')).toMatchObject({ tagName: 'to-label', size: SELECT, created: true });

      // The platform itself, not the node's word for it.
      const datasetId = String(saved.datasetId);
      expect(await tagSize(datasetId, 'to-label')).toBe(SELECT);
      // Select drew from what the health step kept: its picks are all in duplicates-removed.
      expect(await tagSize(datasetId, 'duplicates-removed')).toBe(Number(health.remaining));
      const sample = await fixture.platform.getSampleById(datasetId, (await firstSampleId(datasetId)) as string);
      expect(sample.customMetaData).toHaveProperty('weather');
      const entropy = await fixture.platform.getScores(datasetId, { task: 'imagenet', scoreType: 'uncertainty_entropy' });
      expect(entropy).toHaveLength(IMAGE_COUNT);
      expect(entropy.every((score) => score.value >= 0 && score.value <= 1)).toBe(true);
    }, 900_000);

    it('runs examples/n8n/scheduled-curation.json twice: only new objects move and the datapool grows', async () => {
      const first = await execute(host, userFolder, ids['scheduled-curation.json']);
      expect(outputOf(first, 'Sync New Objects')).toMatchObject({ downloaded: IMAGE_COUNT });
      const firstTag = outputOf(first, "Tag Tonight's Picks");
      expect(firstTag).toMatchObject({ size: 5, created: true });

      // The second night: nothing new in the bucket, so nothing is downloaded or embedded again, and the new picks
      // avoid the first night's (the datapool). Tag names carry the time to the second.
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const second = await execute(host, userFolder, ids['scheduled-curation.json']);
      expect(outputOf(second, 'Sync New Objects')).toMatchObject({ downloaded: 0, skipped: IMAGE_COUNT });
      expect(outputOf(second, 'Embed New Images')).toMatchObject({ embedded: 0, alreadyPresent: IMAGE_COUNT });
      expect(outputOf(second, 'Select Beyond Datapool')).toMatchObject({ selected: 5, datapool: 5 });
      const secondTag = outputOf(second, "Tag Tonight's Picks");
      expect(secondTag.tagName).not.toBe(firstTag.tagName);

      const datasetId = String(secondTag.datasetId);
      const firstPicks = new Set(await fixture.platform.exportFilenamesByTagName(datasetId, String(firstTag.tagName)));
      const secondPicks = await fixture.platform.exportFilenamesByTagName(datasetId, String(secondTag.tagName));
      expect(secondPicks).toHaveLength(5);
      expect(secondPicks.filter((name) => firstPicks.has(name))).toEqual([]);
    }, 900_000);
  });
}

async function firstSampleId(datasetId: string): Promise<string | undefined> {
  for await (const sample of fixture.platform.iterateSamples(datasetId, { pageSize: 1 })) return sample.id;
  return undefined;
}
