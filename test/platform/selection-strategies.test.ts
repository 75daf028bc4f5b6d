import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_STRATEGY } from '../../src/select';
import { call, startDatasetServer, type DatasetServer } from './helpers';

const NAMES = Array.from({ length: 24 }, (_, i) => `img-${String(i).padStart(2, '0')}.jpg`);

/** REST sampling with the selection strategies of issue #18: the default without a method, the new names, bad input. */
describe('platform sampling strategies', () => {
  let server: DatasetServer;
  let datasetId: string;
  let embeddingId: string;
  const sample = (body: Record<string, unknown>) => call(server, 'POST', `/v1/datasets/${datasetId}/embeddings/${embeddingId}/sampling`, body);
  const finish = async (body: Record<string, unknown>) => {
    const started = await sample(body);
    expect(started.status, JSON.stringify(started.body)).toBe(200);
    const { client } = server;
    const job = await client.waitForJob(started.body.jobId, { pollIntervalMs: 20 });
    expect(job.status, JSON.stringify(job)).toBe('FINISHED');
    const ranking = (await call(server, 'GET', `/v1/jobs/${started.body.jobId}/scores`)).body as Array<{ fileName: string; reason?: Record<string, unknown> }>;
    return { names: await client.exportFilenamesByTagName(datasetId, body.newTagName as string), ranking };
  };

  beforeAll(async () => {
    server = await startDatasetServer({ dataset: 'strategies', names: NAMES, dim: 8 });
    ({ datasetId, embeddingId } = server);
  });
  afterAll(() => server?.close());

  it(`uses ${DEFAULT_STRATEGY} when the request names no method, and each pick says why`, async () => {
    const { names, ranking } = await finish({ newTagName: 'default-5', config: { stoppingCondition: { nSamples: 5 } } });
    expect(names).toHaveLength(5);
    expect(ranking).toHaveLength(NAMES.length);
    expect(ranking[0].reason).toHaveProperty('covered');
    expect(ranking[0].reason).toHaveProperty('typicality');
  });

  it('runs typicality and coverage by name through `selection`, with preselected samples', async () => {
    const typical = await finish({ newTagName: 'typical-4', selection: { n: 4, strategy: 'typicality' } });
    expect(typical.names).toHaveLength(4);
    const kept = await createTag('kept', NAMES.slice(0, 3));
    const coverage = await finish({ newTagName: 'coverage-4', preselectedTagId: kept, selection: { n: 4, strategy: 'coverage' } });
    // As in Lightly, the new tag holds the preselected samples plus the new picks.
    expect(coverage.names).toHaveLength(7);
    expect(coverage.names).toEqual(expect.arrayContaining(NAMES.slice(0, 3)));
  });

  it('answers 400 naming the field for unknown names, out-of-range values and more picks than samples', async () => {
    const unknown = await sample({ newTagName: 'bad-1', selection: { n: 3, strategy: 'typicalty' } });
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.body)).toMatch(/body\.selection: strategy: unknown strategy \\"typicalty\\"/);
    const strength = await sample({
      newTagName: 'bad-2',
      selection: { n: 3, strategies: [{ input: { type: 'EMBEDDINGS' }, strategy: { type: 'COVERAGE', strength: -1 } }] },
    });
    expect(strength.status).toBe(400);
    expect(JSON.stringify(strength.body)).toMatch(/strategies\[0\]\.strategy\.strength: COVERAGE needs a positive strength/);
    const width = await sample({
      newTagName: 'bad-3',
      selection: { n: 3, strategies: [{ input: { type: 'EMBEDDINGS' }, strategy: { type: 'COVERAGE', kernelWidth: 5 } }] },
    });
    expect(width.status).toBe(400);
    expect(JSON.stringify(width.body)).toMatch(/strategies\[0\]\.strategy\.kernelWidth/);
    const tooMany = await sample({ newTagName: 'bad-4', selection: { n: 99, strategy: 'coverage' } });
    expect(tooMany.status).toBe(400);
    expect(JSON.stringify(tooMany.body)).toMatch(/selection\.n.*99.*24/);
    const tooManyLightly = await sample({ newTagName: 'bad-5', config: { stoppingCondition: { nSamples: 30 } } });
    expect(tooManyLightly.status).toBe(400);
    expect(JSON.stringify(tooManyLightly.body)).toMatch(/config\.stoppingCondition\.nSamples/);
  });

  async function createTag(name: string, fileNames: string[]): Promise<string> {
    await server.client.createTagFromFilenames(datasetId, name, fileNames);
    const tags = (await call(server, 'GET', `/v1/datasets/${datasetId}/tags`)).body as Array<{ id: string; name: string }>;
    return tags.find((t) => t.name === name)!.id;
  }
});
