import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeModelRecord } from '../../src/embeddings';
import { InvalidConfigError, InvalidInputError, NotFoundError } from '../../src/errors';
import { createEmbeddedClient } from '../../src/platform/client/embedded-client';
import { createHttpClient } from '../../src/platform/client/http-client';
import type { PlatformClient } from '../../src/platform/client/platform-client';
import { ConflictError } from '../../src/platform/errors';
import type { Store } from '../../src/platform/store/store';
import { dialects, embeddingsCsv, startServer, tempHome, type RunningServer } from './helpers';

const NAMES = Array.from({ length: 12 }, (_, i) => `img_${String(i).padStart(2, '0')}.jpg`);

interface Harness {
  client: PlatformClient;
  home: string;
  close(): Promise<void>;
}

/**
 * The same suite runs against both implementations (they must behave the same and throw the same errors), each over
 * every store backend in `dialects()`.
 */
const implementations: { name: string; open(): Promise<Harness> }[] = dialects().flatMap((dialect) => [
  {
    name: `embedded, ${dialect.name}`,
    async open(): Promise<Harness> {
      const { home, cleanup } = await tempHome();
      const store: Store = await dialect.open(home);
      const client = createEmbeddedClient(store, { home });
      return {
        client,
        home,
        async close() {
          await client.close();
          await store.close();
          await dialect.dispose(home);
          await cleanup();
        },
      };
    },
  },
  {
    name: `http, ${dialect.name}`,
    async open(): Promise<Harness> {
      const { home, cleanup } = await tempHome();
      const server: RunningServer = await startServer(home, { open: dialect.open });
      const client = createHttpClient({ baseUrl: server.baseUrl, token: server.token, retryBaseDelayMs: 10 });
      return {
        client,
        home,
        async close() {
          await client.close();
          await server.close();
          await dialect.dispose(home);
          await cleanup();
        },
      };
    },
  },
]);

describe.each(implementations)('PlatformClient ($name)', (impl) => {
  let h: Harness;
  let client: PlatformClient;
  let datasetId: string;
  let csvPath: string;

  beforeAll(async () => {
    h = await impl.open();
    client = h.client;
    const dataset = await client.createDataset('pets');
    datasetId = dataset.id;
    await client.createSamples(datasetId, NAMES.map((fileName) => ({ fileName, metaData: { width: 64, height: 48 } })));
    csvPath = path.join(h.home, 'embeddings.csv');
    // Rows in a different order than the samples: the server matches them by name.
    await writeFile(csvPath, embeddingsCsv([...NAMES].reverse(), 8));
  });
  afterAll(async () => {
    await h.close();
  });

  describe('datasets', () => {
    it('creates, finds by id and by name, lists, and refuses a second dataset of the same name', async () => {
      const created = await client.createDataset('birds', { type: 'Images' });
      expect(created).toMatchObject({ name: 'birds', nSamples: 0, type: 'Images', imgType: 'full' });
      // Lightly's accessType names a share (WRITE); the owner's own dataset has none.
      expect(created.accessType).toBeUndefined();
      expect(created.id).toMatch(/^[0-9a-f]{24}$/);
      expect(await client.getDatasetById(created.id)).toEqual(created);
      expect((await client.getDatasetByName('birds')).id).toBe(created.id);
      expect(await client.datasetExists(created.id)).toBe(true);
      expect((await client.getDatasets()).map((d) => d.name)).toEqual(expect.arrayContaining(['pets', 'birds']));
      await expect(client.createDataset('birds')).rejects.toThrow(ConflictError);
      await client.deleteDataset(created.id);
      expect(await client.datasetExists(created.id)).toBe(false);
      await expect(client.getDatasetById(created.id)).rejects.toThrow(NotFoundError);
      await expect(client.getDatasetByName('birds')).rejects.toThrow(NotFoundError);
    });

    it('rejects a name shorter than 3 characters naming the field', async () => {
      await expect(client.createDataset('ab')).rejects.toThrow(/name/);
    });
  });

  describe('samples', () => {
    it('keeps creation order and is idempotent by fileName', async () => {
      expect(await client.getFilenames(datasetId)).toEqual(NAMES);
      const again = await client.createSamples(datasetId, [{ fileName: NAMES[3] }, { fileName: 'extra.jpg' }, { fileName: 'extra.jpg' }]);
      expect(again.map((s) => [s.fileName, s.index, s.created])).toEqual([
        [NAMES[3], 3, false],
        ['extra.jpg', 12, true],
        ['extra.jpg', 12, false],
      ]);
      expect(again[1].id).toBe(again[2].id);
      const dataset = await client.getDatasetById(datasetId);
      expect(dataset.nSamples).toBe(13);
      // initial-tag follows the samples: 13 bits set.
      expect((await client.getTagByName(datasetId, 'initial-tag')).bitMaskData).toBe('0x1fff');
    });

    it('pages through samples and updates one', async () => {
      const all = [];
      for await (const sample of client.iterateSamples(datasetId, { pageSize: 5 })) all.push(sample);
      expect(all.map((s) => s.index)).toEqual(Array.from({ length: all.length }, (_, i) => i));
      expect(all[0]).toMatchObject({ fileName: NAMES[0], metaData: { width: 64, height: 48 }, type: 'IMAGE' });
      const updated = await client.updateSampleById(datasetId, all[1].id, { customMetaData: { weather: 'rain' } });
      expect(updated.customMetaData).toEqual({ weather: 'rain' });
      expect((await client.getSampleById(datasetId, all[1].id)).customMetaData).toEqual({ weather: 'rain' });
      await expect(client.getSampleById(datasetId, 'nope')).rejects.toThrow(NotFoundError);
    });
  });

  describe('embeddings', () => {
    let embeddingId: string;
    it('uploads a CSV whose rows are the samples, and computes 2-D PCA coordinates in dataset order', async () => {
      // The dataset now has 13 samples (extra.jpg): the CSV must name every one.
      await writeFile(csvPath, embeddingsCsv([...NAMES, 'extra.jpg'].reverse(), 8));
      const uploaded = await client.uploadEmbeddings(datasetId, csvPath, 'default');
      expect(uploaded).toMatchObject({ name: 'default', isProcessed: true, dim: 8, rowCount: 13 });
      embeddingId = uploaded.id;
      const map = await client.getEmbeddings2d(datasetId, embeddingId);
      expect(map.fileNames).toEqual([...NAMES, 'extra.jpg']);
      expect(map.coordinatesDimension1).toHaveLength(13);
      expect(map.coordinatesDimension2.every(Number.isFinite)).toBe(true);
    });

    it('records the model named by the CSV\'s model record, and none for a CSV without one', async () => {
      const plain = await client.uploadEmbeddings(datasetId, csvPath, 'default');
      expect(await client.getEmbeddingModel(datasetId, plain.id)).toBeNull();
      await writeModelRecord(csvPath, { model: 'efficientnet-lite0@a491eddbb11182f3', dim: 8 });
      const uploaded = await client.uploadEmbeddings(datasetId, csvPath, 'default');
      expect(await client.getEmbeddingModel(datasetId, uploaded.id)).toBe('efficientnet-lite0@a491eddbb11182f3');
      await writeModelRecord(csvPath, undefined);
    });

    it('replaces an embedding re-uploaded under the same name instead of duplicating it', async () => {
      const again = await client.uploadEmbeddings(datasetId, csvPath, 'default');
      expect(again.id).toBe(embeddingId);
      expect((await client.getEmbeddings(datasetId)).filter((e) => e.name === 'default')).toHaveLength(1);
    });

    it('rejects a CSV that does not match the samples, naming what is missing, and keeps the previous upload', async () => {
      const bad = path.join(h.home, 'short.csv');
      await writeFile(bad, embeddingsCsv(NAMES.slice(0, 10), 8));
      const error = await client.uploadEmbeddings(datasetId, bad, 'default').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as Error).message).toMatch(/10 rows in the embedding file, but 13 samples/);
      expect((error as Error).message).toContain('img_10.jpg');
      const unknown = path.join(h.home, 'unknown.csv');
      await writeFile(unknown, embeddingsCsv([...NAMES, 'zebra.jpg'], 8));
      await expect(client.uploadEmbeddings(datasetId, unknown, 'default')).rejects.toThrow(/zebra\.jpg/);
      const [kept] = (await client.getEmbeddings(datasetId)).filter((e) => e.name === 'default');
      expect(kept).toMatchObject({ isProcessed: true });
      // The rejected uploads left the stored CSV as it was: its 2-D map still has all 13 rows.
      expect((await client.getEmbeddings2d(datasetId, kept.id)).fileNames).toHaveLength(13);
    });

    it('rejects a malformed CSV with the file location', async () => {
      const bad = path.join(h.home, 'malformed.csv');
      await writeFile(bad, 'filenames,embedding_0,labels\r\nimg_00.jpg,not-a-number,0\r\n');
      const error = await client.uploadEmbeddings(datasetId, bad, 'broken').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as Error).message).toMatch(/broken\.csv|malformed\.csv/);
    });

    it('runs a CORESET selection job to a tag, keeps the ranking, and makes tags of any size from it', async () => {
      const { jobId } = await client.startSelection(datasetId, embeddingId, {
        newTagName: 'coreset-4',
        method: 'CORESET',
        config: { stoppingCondition: { nSamples: 4 } },
      });
      const job = await client.waitForJob(jobId, { pollIntervalMs: 20 });
      expect(job.status).toBe('FINISHED');
      const tag = await client.getTagById(datasetId, job.result?.data as string);
      expect(tag).toMatchObject({ name: 'coreset-4' });
      expect(tag.changes[0]).toMatchObject({ creator: 'SAMPLER_CORESET' });
      expect(await client.exportFilenamesByTagName(datasetId, 'coreset-4')).toHaveLength(4);
      const scores = await client.getSelectionScores(jobId);
      expect(scores).toHaveLength(13);
      expect(scores.map((s) => s.rank)).toEqual(Array.from({ length: 13 }, (_, i) => i));
      const top7 = await client.createTagFromScores(datasetId, { jobId, name: 'top-7', n: 7 });
      const names = await client.exportFilenamesByTagId(datasetId, top7.id);
      expect(new Set(names)).toEqual(new Set(scores.slice(0, 7).map((s) => s.fileName)));
      await expect(client.createTagFromScores(datasetId, { jobId, name: 'too-many', n: 14 })).rejects.toThrow(InvalidInputError);
    });

    it("accepts Winnow's own selection config and a preselected tag", async () => {
      const pre = await client.createTagFromFilenames(datasetId, 'labelled', [NAMES[0], NAMES[1]]);
      const { jobId } = await client.startSelection(datasetId, embeddingId, {
        newTagName: 'random-3',
        preselectedTagId: pre.id,
        selection: { n: 3, strategy: 'random', seed: 7 },
      });
      const job = await client.waitForJob(jobId, { pollIntervalMs: 20 });
      const names = await client.exportFilenamesByTagId(datasetId, job.result?.data as string);
      // Lightly's sampler tags hold the preselected samples plus the new picks.
      expect(names).toHaveLength(5);
      expect(names).toEqual(expect.arrayContaining([NAMES[0], NAMES[1]]));
      expect((await client.getTagById(datasetId, job.result?.data as string)).prevTagId).toBe(pre.id);
    });

    it('refuses a bad selection config before starting a job', async () => {
      await expect(client.startSelection(datasetId, embeddingId, { newTagName: 'bad-one', selection: { strategy: 'cluster', n: 2 } })).rejects.toThrow(
        /strategy/,
      );
      await expect(client.startSelection(datasetId, embeddingId, { newTagName: 'bad-two', method: 'CORAL' })).rejects.toThrow(/scoreType/);
      await expect(client.startSelection(datasetId, 'missing', { newTagName: 'bad-three' })).rejects.toThrow(NotFoundError);
      await expect(client.getJob('missing')).rejects.toThrow(NotFoundError);
    });

    it('reports a failing job as FAILED with its reason', async () => {
      const { jobId } = await client.startSelection(datasetId, embeddingId, {
        newTagName: 'needs-metadata',
        selection: { n: 2, strategy: 'weights', key: 'no.such.key' },
      });
      await expect(client.waitForJob(jobId, { pollIntervalMs: 20 })).rejects.toThrow(/failed/);
      expect((await client.getJob(jobId)).status).toBe('FAILED');
    });
  });

  describe('custom metadata', () => {
    it('uploads the COCO-like file in one call and reports what it skipped', async () => {
      const result = await client.uploadCustomMetadata(datasetId, {
        images: [
          { id: 0, file_name: NAMES[0] },
          { id: 1, file_name: NAMES[2] },
          { id: 2, file_name: 'not-a-sample.jpg' },
        ],
        metadata: [
          { image_id: 0, weather: { temperature: 15 } },
          { image_id: 1, number_of_people: 3 },
          { image_id: 2, x: 1 },
        ],
      });
      expect(result.updated).toBe(2);
      expect(result.skipped).toEqual([{ imageId: 2, fileName: 'not-a-sample.jpg', reason: expect.any(String) }]);
      const first = (await client.iterateSamples(datasetId, { pageSize: 1 })[Symbol.asyncIterator]().next()).value;
      // Lightly stores the whole entry, image_id included.
      expect(first.customMetaData).toEqual({ image_id: 0, weather: { temperature: 15 } });
    });

    it('rejects metadata for an image id that is not in images, naming it', async () => {
      const error = await client
        .uploadCustomMetadata(datasetId, { images: [{ id: 0, file_name: NAMES[0] }], metadata: [{ image_id: 9, x: 1 }] })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as Error).message).toMatch(/9/);
    });

    it('stores configurator entries', async () => {
      const config = await client.createMetadataConfiguration(datasetId, {
        name: 'weather',
        configs: [{ name: 'Temperature', path: 'weather.temperature', defaultValue: 0, valueDataType: 'NUMERIC_FLOAT' }],
      });
      expect(config.id).toMatch(/^[0-9a-f]{24}$/);
      expect(await client.getMetadataConfigurations(datasetId)).toEqual([expect.objectContaining({ name: 'weather', configs: config.configs })]);
    });
  });

  describe('tags', () => {
    it('creates tags from file names and bitmasks, combines and exports them', async () => {
      const ac = await client.createTagFromFilenames(datasetId, 'a-and-c', [NAMES[2], NAMES[0]]);
      expect(ac).toMatchObject({ bitMaskData: '0x5', totSize: 13 });
      expect(ac.changes[0]).toMatchObject({ creator: 'USER_PIP' });
      expect(ac.prevTagId).toBe((await client.getTagByName(datasetId, 'initial-tag')).id);
      const bc = await client.createTagFromBitmask(datasetId, { name: 'b-and-c', bitMaskData: '0x6' });
      expect(await client.exportFilenamesByTagName(datasetId, 'b-and-c')).toEqual([NAMES[1], NAMES[2]]);
      expect(await client.tagArithmetic(datasetId, { tagId1: ac.id, tagId2: bc.id, operation: 'UNION' })).toEqual({ bitMaskData: '0x7' });
      expect((await client.tagArithmetic(datasetId, { tagId1: ac.id, tagId2: bc.id, operation: 'INTERSECTION' })).bitMaskData).toBe('0x4');
      const diff = await client.tagArithmetic(datasetId, { tagId1: ac.id, tagId2: bc.id, operation: 'DIFFERENCE', newTagName: 'only-a' });
      expect(diff.bitMaskData).toBe('0x1');
      expect(await client.exportFilenamesByTagId(datasetId, diff.id as string)).toEqual([NAMES[0]]);
      expect((await client.getAllTags(datasetId)).map((t) => t.name)).toEqual(expect.arrayContaining(['initial-tag', 'a-and-c', 'b-and-c', 'only-a']));
    });

    it('names unknown file names, refuses taken names and bits beyond the samples', async () => {
      await expect(client.createTagFromFilenames(datasetId, 'bad-names', [NAMES[0], 'ghost.jpg'])).rejects.toThrow(/ghost\.jpg/);
      await expect(client.createTagFromFilenames(datasetId, 'a-and-c', [NAMES[0]])).rejects.toThrow(ConflictError);
      await expect(client.createTagFromBitmask(datasetId, { name: 'too-wide', bitMaskData: '0x10000' })).rejects.toThrow(/bitMaskData/);
      await expect(client.getTagByName(datasetId, 'nope')).rejects.toThrow(NotFoundError);
    });

    it('deletes tags but never initial-tag', async () => {
      const tag = await client.createTagFromFilenames(datasetId, 'to-delete', [NAMES[5]]);
      await client.deleteTag(datasetId, tag.id);
      await expect(client.getTagById(datasetId, tag.id)).rejects.toThrow(NotFoundError);
      const initial = await client.getTagByName(datasetId, 'initial-tag');
      await expect(client.deleteTag(datasetId, initial.id)).rejects.toThrow(InvalidConfigError);
    });
  });
});

describe('every client and backend', () => {
  it('throws the same error classes and messages for the same mistakes', async () => {
    const harnesses = await Promise.all(implementations.map((i) => i.open()));
    try {
      const outcomes = await Promise.all(
        harnesses.map(async ({ client }) => {
          const d = await client.createDataset('same-errors');
          await client.createSamples(d.id, [{ fileName: 'a.jpg' }, { fileName: 'b.jpg' }]);
          const attempts = [
            () => client.getDatasetById('000000000000000000000000'),
            () => client.createDataset('same-errors'),
            () => client.createTagFromFilenames(d.id, 'tag-x', ['c.jpg']),
            () => client.createTagFromBitmask(d.id, { name: 'tag-y', bitMaskData: '0xff' }),
            () => client.getTagByName(d.id, 'missing'),
          ];
          const errors = [];
          for (const attempt of attempts) {
            const e = (await attempt().catch((error: unknown) => error)) as Error & { code: string };
            errors.push({ name: e.constructor.name, code: e.code, message: e.message });
          }
          return errors;
        }),
      );
      for (const outcome of outcomes.slice(1)) expect(outcome).toEqual(outcomes[0]);
      expect(outcomes[0].map((e) => e.code)).toEqual(['NOT_FOUND', 'CONFLICT', 'UNKNOWN_FILE_NAMES', 'INVALID_INPUT', 'NOT_FOUND']);
    } finally {
      for (const h of harnesses) await h.close();
    }
  });
});
