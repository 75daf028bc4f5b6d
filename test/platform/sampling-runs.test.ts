import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient } from '../../src/platform/client/http-client';
import { call, embeddingsCsv, startServer, tempHome, type RunningServer } from './helpers';

const NAMES = Array.from({ length: 20 }, (_, i) => `img-${String(i).padStart(2, '0')}.jpg`);

/** GET …/sampling/runs: what the web app's Runs list shows — strategy, parameters, time, status, result size. */
describe('platform sampling runs list', () => {
  let server: RunningServer;
  let cleanup: () => Promise<void>;
  let datasetId: string;
  let embeddingId: string;

  beforeAll(async () => {
    const temp = await tempHome();
    cleanup = temp.cleanup;
    server = await startServer(temp.home);
    const client = createHttpClient({ baseUrl: server.baseUrl, token: server.token });
    datasetId = (await client.createDataset('runs-list')).id;
    await client.createSamples(datasetId, NAMES.map((fileName) => ({ fileName })));
    const csv = `${temp.home}/e.csv`;
    await writeFile(csv, embeddingsCsv(NAMES, 8));
    embeddingId = (await client.uploadEmbeddings(datasetId, csv, 'default')).id;
  });
  afterAll(async () => {
    await server.close();
    await cleanup();
  });

  it('lists each run newest first with its strategy, parameters, time and how many it selected', async () => {
    const client = createHttpClient({ baseUrl: server.baseUrl, token: server.token });
    const pool = await call(server, 'POST', `/v1/datasets/${datasetId}/tags`, { name: 'first-ten', bitMaskData: '0x3ff', prevTagId: null, totSize: NAMES.length, creator: 'USER_PIP' });
    const run = async (body: Record<string, unknown>) => {
      const started = await call(server, 'POST', `/v1/datasets/${datasetId}/embeddings/${embeddingId}/sampling`, body);
      expect(started.status, JSON.stringify(started.body)).toBe(200);
      expect((await client.waitForJob(started.body.jobId, { pollIntervalMs: 20 })).status).toBe('FINISHED');
      return started.body.jobId as string;
    };
    const lightly = await run({ newTagName: 'lightly-coreset', method: 'CORESET', config: { stoppingCondition: { nSamples: 4 } }, queryTagId: pool.body.id });
    const winnow = await run({ newTagName: 'winnow-default', selection: { n: 6, strategy: 'coverage-diversity', seed: 7 } });

    const { status, body } = await call(server, 'GET', `/v1/datasets/${datasetId}/sampling/runs`);
    expect(status).toBe(200);
    expect(body.map((r: { jobId: string }) => r.jobId)).toEqual([winnow, lightly]);
    expect(body[0]).toMatchObject({ tagName: 'winnow-default', status: 'FINISHED', strategy: 'coverage-diversity', parameters: { n: 6, seed: 7 }, selected: 6, error: null });
    expect(body[1]).toMatchObject({ tagName: 'lightly-coreset', strategy: 'coreset', parameters: { n: 4, queryTagId: pool.body.id }, selected: 4 });
    for (const r of body) expect(r.finishedAt).toBeGreaterThanOrEqual(r.createdAt);
    expect((await call(server, 'GET', `/v1/datasets/${'0'.repeat(24)}/sampling/runs`)).status).toBe(404);
  });
});
