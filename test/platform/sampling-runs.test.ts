import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startDatasetServer, type DatasetServer } from './helpers';

const NAMES = Array.from({ length: 20 }, (_, i) => `img-${String(i).padStart(2, '0')}.jpg`);

/** GET …/sampling/runs: what the web app's Runs list shows — strategy, parameters, time, status, result size. */
describe('platform sampling runs list', () => {
  let server: DatasetServer;
  let datasetId: string;
  let embeddingId: string;

  beforeAll(async () => {
    server = await startDatasetServer({ dataset: 'runs-list', names: NAMES, dim: 8 });
    ({ datasetId, embeddingId } = server);
  });
  afterAll(() => server?.close());

  it('lists each run newest first with its strategy, parameters, time and how many it selected', async () => {
    const { client } = server;
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
