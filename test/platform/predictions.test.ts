import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bothPaths, call, dialects, startDatasetServer, type DatasetServer } from './helpers';

const NAMES = ['a.jpg', 'b.jpg', 'c.jpg', 'd.jpg', 'e.jpg', 'f.jpg'];
const CATEGORIES = [
  { id: 0, name: 'cat' },
  { id: 1, name: 'dog' },
];
const cls = (file_name: string, p: number) => ({ file_name, predictions: [{ category_id: p >= 0.5 ? 0 : 1, probabilities: [p, 1 - p] }] });

describe.each(dialects())('predictions and scores on the platform ($name)', (dialect) => {
  let server: DatasetServer;
  let datasetId: string;
  let embeddingId: string;

  beforeAll(async () => {
    server = await startDatasetServer({ dataset: 'predictions-suite', names: NAMES, dim: 4, dialect });
    ({ datasetId, embeddingId } = server);
  });
  afterAll(() => server?.close());

  it('stores predictions, reports bad images by entry and field, and lists Lightly scores per sample', async () => {
    const upload = await call(server, 'POST', `/v1/datasets/${datasetId}/predictions`, {
      tasks: [
        {
          name: 'pets',
          task_type: 'classification',
          categories: CATEGORIES,
          images: [
            cls('a.jpg', 0.99),
            cls('b.jpg', 0.5),
            cls('c.jpg', 0.3),
            cls('d.jpg', 0.95),
            cls('e.jpg', 0.55),
            { file_name: 'f.jpg', predictions: [{ category_id: 0, probabilities: [0.9, 0.3] }] },
            cls('nope.jpg', 0.9),
          ],
        },
        {
          name: 'things',
          task_type: 'object-detection',
          categories: CATEGORIES,
          images: [
            { file_name: 'a.jpg', predictions: [{ category_id: 0, bbox: [1, 2, 10, 10], score: 0.9 }, { category_id: 1, bbox: [5, 5, 4, 4], score: 0.3 }] },
            { file_name: 'b.jpg', predictions: [] },
          ],
        },
      ],
    });
    expect(upload.status).toBe(200);
    expect(upload.body.tasks).toEqual([
      { name: 'pets', stored: 5, scores: ['uncertainty_least_confidence', 'uncertainty_margin', 'uncertainty_entropy'] },
      { name: 'things', stored: 2, scores: ['object_frequency', 'objectness_least_confidence'] },
    ]);
    expect(upload.body.problems).toEqual([
      { file: 'body.tasks[0].images[5]', message: expect.stringMatching(/column "predictions\[0\]\.probabilities"\): probabilities sum to 1\.2, not 1/) },
      { file: 'pets/nope.jpg', message: 'no sample named "nope.jpg" in the dataset' },
    ]);

    const tasks = await call(server, 'GET', `/v1/datasets/${datasetId}/predictions/tasks`);
    expect(tasks.body.map((t: { name: string; count: number }) => [t.name, t.count])).toEqual([
      ['pets', 5],
      ['things', 2],
    ]);
    const margin = await call(server, 'GET', `/v1/datasets/${datasetId}/scores?task=pets&scoreType=uncertainty_margin`);
    expect(margin.body.map((s: { fileName: string; value: number }) => [s.fileName, Number(s.value.toFixed(6))])).toEqual([
      ['a.jpg', 0.02],
      ['b.jpg', 1],
      ['c.jpg', 0.6],
      ['d.jpg', 0.1],
      ['e.jpg', 0.9],
    ]);
    const dogs = await call(server, 'GET', `/v1/datasets/${datasetId}/predictions/tasks/things?category=dog`);
    expect(dogs.body.map((s: { fileName: string }) => s.fileName)).toEqual(['a.jpg']);
    expect((await call(server, 'GET', `/v1/datasets/${datasetId}/predictions/tasks/pets?minScore=0.9`)).body.map((s: { fileName: string }) => s.fileName)).toEqual(['a.jpg', 'd.jpg']);
    const one = await call(server, 'GET', `/v1/datasets/${datasetId}/samples/${dogs.body[0].sampleId}/predictions`);
    expect(one.body.map((t: { task: string }) => t.task)).toEqual(['pets', 'things']);
    expect(one.body[1].predictions[1]).toEqual({ category_id: 1, bbox: [5, 5, 4, 4], score: 0.3 });
    const unknown = await call(server, 'GET', `/v1/datasets/${datasetId}/predictions/tasks/things?category=bird`);
    expect(unknown.status).toBe(400);
  });

  it('filters and counts samples by predicted class, confidence and score in the server-side sample query', async () => {
    // Over the fields held in memory and in SQL alone: the same answers.
    const query = async (body: unknown) => {
      return (await bothPaths(() => call(server, 'POST', `/v1/datasets/${datasetId}/samples/query`, body))) as { total: number; items: { fileName: string }[]; facets: Record<string, { value: string; count: number }[]>; histograms: Record<string, { counts: number[] }> };
    };
    // pets: a 0.99 cat, b 0.5 cat, c 0.7 dog, d 0.95 cat, e 0.55 cat; f was rejected. things: a has a cat (0.9) and a dog (0.3).
    const cats = await query({ filters: [{ field: 'prediction:pets', values: ['cat'] }], facets: ['prediction:pets', 'prediction:things'], page: { size: 10 } });
    expect(cats.items.map((i) => i.fileName)).toEqual(['a.jpg', 'b.jpg', 'd.jpg', 'e.jpg']);
    expect(cats.facets['prediction:pets']).toEqual([
      { value: 'cat', count: 4 },
      { value: 'dog', count: 1 },
    ]);
    expect(cats.facets['prediction:things']).toEqual([{ value: 'cat', count: 1 }]);
    const sure = await query({ filters: [{ field: 'prediction:pets', values: ['cat'] }, { field: 'confidence:pets', range: [0.9, null] }], histograms: [{ field: 'confidence:pets', bins: 2, extent: [0.5, 1] }] });
    expect(sure.total).toBe(2);
    // The histogram counts cats under the class filter only: 0.5 and 0.55 in the low bin, 0.95 and 0.99 in the high one.
    expect(sure.histograms['confidence:pets'].counts).toEqual([2, 2]);
    const margin = (await call(server, 'GET', `/v1/datasets/${datasetId}/scores?task=pets&scoreType=uncertainty_margin`)).body as { fileName: string; value: number }[];
    const uncertain = await query({ filters: [{ field: 'score:pets/uncertainty_margin', range: [0.5, null] }], page: { size: 10 } });
    expect(uncertain.items.map((i) => i.fileName)).toEqual(margin.filter((m) => m.value >= 0.5).map((m) => m.fileName));
    expect(uncertain.total).toBe(3);
    const bad = await call(server, 'POST', `/v1/datasets/${datasetId}/samples/query`, { filters: [{ field: 'score:uncertainty_margin', range: [0.5, null] }] });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/score:<task>\/<scoreType>/);
  });

  it('selects by stored SCORES (task + score) and balances by PREDICTIONS, through a selection job', async () => {
    const run = async (newTagName: string, selection: unknown) => {
      const { body } = await call(server, 'POST', `/v1/datasets/${datasetId}/embeddings/${embeddingId}/sampling`, { newTagName, selection });
      for (;;) {
        const job = (await call(server, 'GET', `/v1/jobs/${body.jobId}`)).body;
        if (job.status === 'FINISHED') return (await call(server, 'GET', `/v1/jobs/${body.jobId}/scores`)).body.map((s: { fileName: string }) => s.fileName);
        if (job.status === 'FAILED') throw new Error(job.error);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const byMargin = await run('most-uncertain', {
      n: 2,
      strategies: [{ input: { type: 'SCORES', task: 'pets', score: 'uncertainty_margin' }, strategy: { type: 'WEIGHTS' } }],
    });
    expect(byMargin.slice(0, 2)).toEqual(['b.jpg', 'e.jpg']);
    const balanced = await run('balanced-classes', {
      n: 2,
      strategies: [{ input: { type: 'PREDICTIONS', task: 'pets', name: 'CLASS_DISTRIBUTION' }, strategy: { type: 'BALANCE', target: { dog: 0.5, cat: 0.5 } } }],
    });
    // c.jpg is the only predicted dog, so a half-and-half pair must take it and one cat.
    expect(balanced.slice(0, 2)).toContain('c.jpg');
    expect(['a.jpg', 'b.jpg', 'd.jpg', 'e.jpg']).toContain(balanced.slice(0, 2).find((n: string) => n !== 'c.jpg'));
  });

  it('records rounds: the samples new in a round, one call, and exports of just them', async () => {
    const select = async (newTagName: string, preselectedTagId?: string) => {
      const { body } = await call(server, 'POST', `/v1/datasets/${datasetId}/embeddings/${embeddingId}/sampling`, {
        newTagName,
        ...(preselectedTagId ? { preselectedTagId } : {}),
        selection: { n: 2, strategy: 'coreset' },
      });
      for (;;) {
        const job = (await call(server, 'GET', `/v1/jobs/${body.jobId}`)).body;
        if (job.status === 'FINISHED') return job.result.data as string;
        if (job.status === 'FAILED') throw new Error(job.error);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const round1 = await select('round-1');
    const round2 = await select('round-2', round1);
    const round3 = await select('round-3', round2);
    const first = (await call(server, 'GET', `/v1/datasets/${datasetId}/tags/${round1}/round`)).body;
    expect(first).toMatchObject({ round: 1, sinceTagId: null });
    expect(first.fileNames).toHaveLength(2);
    const third = (await call(server, 'GET', `/v1/datasets/${datasetId}/tags/${round3}/round`)).body;
    expect(third.round).toBe(3);
    expect(third.sinceTagId).toBe(round2);
    expect(third.fileNames).toHaveLength(2);
    const earlier = new Set([...(await call(server, 'GET', `/v1/datasets/${datasetId}/tags/${round2}/export/basic/filenames`)).body.split('\n')]);
    for (const name of third.fileNames) expect(earlier.has(name)).toBe(false);
    // Since round 1: round 3's new samples plus round 2's.
    expect((await call(server, 'GET', `/v1/datasets/${datasetId}/tags/${round3}/round?sinceTagId=${round1}`)).body.fileNames).toHaveLength(4);
    // Every export (file names here; Label Studio tasks and Labelbox rows go through the same filter) takes newSinceTagId.
    const exported = await call(server, 'GET', `/v1/datasets/${datasetId}/tags/${round3}/export/basic/filenames?newSinceTagId=${round2}`);
    expect(exported.body.split('\n').sort()).toEqual([...third.fileNames].sort());
  });
});
