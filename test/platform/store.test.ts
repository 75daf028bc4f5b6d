import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InvalidConfigError } from '../../src/errors';
import { UnauthorizedError } from '../../src/platform/errors';
import * as datasets from '../../src/platform/service/datasets';
import { setDatasource, getDatasource } from '../../src/platform/service/datasources';
import { embeddingUploadPath, ingestEmbeddingsCsv, getEmbedding2d, reserveEmbedding } from '../../src/platform/service/embeddings';
import * as samples from '../../src/platform/service/samples';
import { JobRunner, startSelection, getJob, getSelectionScores } from '../../src/platform/service/selection';
import { getTagByName, listTags } from '../../src/platform/service/tags';
import { authenticateToken, createApiToken, ensureUser, listApiTokens, revokeApiToken } from '../../src/platform/service/tokens';
import type { Store } from '../../src/platform/store/store';
import { dialects, embeddingsCsv, tempHome } from './helpers';

/** The store suite: every case runs against every backend in `dialects()` (SQLite, and PostgreSQL when configured). */
describe.each(dialects())('store ($name)', (dialect) => {
  let home: string;
  let cleanup: () => Promise<void>;
  let store: Store;
  let scope: datasets.UserScope;

  beforeAll(async () => {
    ({ home, cleanup } = await tempHome());
    store = await dialect.open(home);
    scope = { store, userId: await ensureUser(store, 'alice') };
  });
  afterAll(async () => {
    await store.close();
    await dialect.dispose(home);
    await cleanup();
  });

  it('migrates once: reopening the same store keeps its data and runs no migration twice', async () => {
    const d = await datasets.createDataset(scope, { name: 'reopen-me' });
    const again = await dialect.open(home);
    try {
      expect((await datasets.getDataset({ store: again, userId: scope.userId }, d.id)).name).toBe('reopen-me');
    } finally {
      await again.close();
    }
  });

  it('keeps datasets per user, with names unique per user', async () => {
    const bob = { store, userId: await ensureUser(store, 'bob') };
    const mine = await datasets.createDataset(scope, { name: 'shared-name' });
    const his = await datasets.createDataset(bob, { name: 'shared-name' });
    expect(mine.id).not.toBe(his.id);
    await expect(datasets.createDataset(scope, { name: 'shared-name' })).rejects.toThrow(/already exists/);
    await expect(datasets.getDataset(bob, mine.id)).rejects.toThrow(/not found/);
    expect((await datasets.listDatasets(bob)).map((d) => d.id)).toEqual([his.id]);
  });

  it('appends 1,200 samples across insert chunks in order, idempotently, and pages them', async () => {
    const d = await datasets.createDataset(scope, { name: 'many-samples' });
    const names = Array.from({ length: 1200 }, (_, i) => `s/${i}.jpg`);
    const first = await samples.createSamples(scope, d.id, names.slice(0, 700).map((fileName) => ({ fileName })));
    const second = await samples.createSamples(scope, d.id, names.map((fileName) => ({ fileName })));
    expect(first.every((s) => s.created)).toBe(true);
    expect(second.filter((s) => s.created)).toHaveLength(500);
    expect(second.map((s) => s.index)).toEqual(names.map((_, i) => i));
    expect(await samples.loadFileNames(store, d.id)).toEqual(names);
    expect(await samples.getMappings(scope, d.id, 'fileName', { pageSize: 3, pageOffset: 1198 })).toEqual(names.slice(1198));
    expect((await datasets.getDataset(scope, d.id)).nSamples).toBe(1200);
    expect((await getTagByName(scope, d.id, 'initial-tag')).totSize).toBe(1200);
  });

  it('gives concurrent sample batches distinct, contiguous positions', async () => {
    const d = await datasets.createDataset(scope, { name: 'concurrent' });
    const batches = Array.from({ length: 4 }, (_, b) => Array.from({ length: 50 }, (_, i) => ({ fileName: `b${b}/${i}.jpg` })));
    await Promise.all(batches.map((batch) => samples.createSamples(scope, d.id, batch)));
    const rows = await store.db.selectFrom('samples').select('idx').where('dataset_id', '=', d.id).orderBy('idx').execute();
    expect(rows.map((r) => Number(r.idx))).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });

  it('stores only the hash of API tokens and honours revocation', async () => {
    const { token, info } = await createApiToken(store, { name: 'ci', user: 'alice' });
    const raw = await store.db.selectFrom('api_tokens').selectAll().execute();
    expect(JSON.stringify(raw)).not.toContain(token);
    expect(await authenticateToken(store, token)).toBe(scope.userId);
    expect((await listApiTokens(store, { userId: scope.userId })).map((t) => t.id)).toContain(info.id);
    await revokeApiToken(store, info.prefix);
    await expect(authenticateToken(store, token)).rejects.toThrow(UnauthorizedError);
    await expect(authenticateToken(store, undefined)).rejects.toThrow(UnauthorizedError);
  });

  describe('secrets at rest', () => {
    const saved = process.env.WINNOW_SECRET_KEY;
    afterEach(() => {
      if (saved === undefined) delete process.env.WINNOW_SECRET_KEY;
      else process.env.WINNOW_SECRET_KEY = saved;
    });

    it('encrypts the S3 secret key and refuses to decrypt it under another key', async () => {
      const d = await datasets.createDataset(scope, { name: 'with-datasource' });
      const secret = 'very-secret-key-0123456789';
      await setDatasource(scope, d.id, { type: 'S3', fullPath: 's3://bucket/prefix/', s3Region: 'us-east-1', s3AccessKeyId: 'AKIA', s3SecretAccessKey: secret });
      const raw = await store.db.selectFrom('datasources').selectAll().where('dataset_id', '=', d.id).executeTakeFirstOrThrow();
      expect(JSON.stringify(raw)).not.toContain(secret);
      expect(store.secrets.decrypt(raw.secret as string)).toBe(secret);
      expect(await getDatasource(scope, d.id)).not.toHaveProperty('s3SecretAccessKey');
      process.env.WINNOW_SECRET_KEY = 'a'.repeat(64);
      const other = await dialect.open(home);
      try {
        expect(() => other.secrets.decrypt(raw.secret as string)).toThrow(InvalidConfigError);
      } finally {
        await other.close();
      }
    });
  });

  it('ingests embeddings with 2-D points, runs a selection and deletes a dataset with everything in it', async () => {
    const d = await datasets.createDataset(scope, { name: 'full-cycle' });
    const names = Array.from({ length: 30 }, (_, i) => `f${i}.jpg`);
    await samples.createSamples(scope, d.id, names.map((fileName) => ({ fileName })));
    const embeddingId = await reserveEmbedding(store, d.id, 'default');
    const upload = await embeddingUploadPath(store, d.id);
    await writeFile(upload, embeddingsCsv(names, 5));
    const embedding = await ingestEmbeddingsCsv(store, d.id, embeddingId, upload);
    expect(embedding).toMatchObject({ isProcessed: true, rowCount: 30, dim: 5 });
    expect((await getEmbedding2d(scope, d.id, embeddingId)).coordinatesDimension1).toHaveLength(30);

    const runner = new JobRunner(store);
    const { jobId } = await startSelection(scope, runner, d.id, embeddingId, { newTagName: 'picked', method: 'CORESET', config: { stoppingCondition: { nSamples: 5 } } });
    await runner.idle();
    expect((await getJob(scope, jobId)).status).toBe('FINISHED');
    expect(await getSelectionScores(scope, jobId)).toHaveLength(30);
    expect((await listTags(scope, d.id)).map((t) => t.name)).toEqual(['initial-tag', 'picked']);
    await runner.close();

    await datasets.deleteDataset(scope, d.id);
    for (const table of ['samples', 'tags', 'embeddings', 'jobs'] as const) {
      const left = await store.db.selectFrom(table).select('id').where('dataset_id', '=', d.id).execute();
      expect(left, table).toHaveLength(0);
    }
    const points = await store.db.selectFrom('embedding_points').select('sample_idx').where('embedding_id', '=', embeddingId).execute();
    expect(points).toHaveLength(0);
    const scores = await store.db.selectFrom('selection_scores').select('rank').where('job_id', '=', jobId).execute();
    expect(scores).toHaveLength(0);
    expect(path.isAbsolute(datasets.datasetStorageDir(home, d.id))).toBe(true);
  });
});
