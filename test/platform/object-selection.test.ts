import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectPlatform, createHttpClient } from '../../src/platform';
import { call, dialects, startDatasetServer, type DatasetServer } from './helpers';

const NAMES = ['a.jpg', 'b.jpg', 'c.jpg', 'd.jpg', 'e.jpg'];
const box = (x: number) => ({ category_id: 0, bbox: [x, 10, 20, 20], score: 0.9 });
/** Object embeddings on the unit circle: a's and b's objects 5° apart, c's opposite them, d's at 90°; e has none. */
const at = (deg: number) => [Math.cos((deg * Math.PI) / 180), Math.sin((deg * Math.PI) / 180)].map((v) => v.toFixed(6));
const objectsCsv = (rows: Array<[string, number]>) =>
  ['filenames,embedding_0,embedding_1,labels', ...rows.map(([name, deg]) => [name, ...at(deg), '0'].join(','))].join('\r\n') + '\r\n';

describe.each(dialects())('object-level selection on the platform ($name)', (dialect) => {
  let server: DatasetServer;
  let datasetId: string;
  let embeddingId: string;
  let home: string;
  const put = (task: string, csv: string) => call(server, 'PUT', `/v1/datasets/${datasetId}/predictions/tasks/${task}/objectEmbeddings`, csv, { 'content-type': 'text/csv' });

  beforeAll(async () => {
    server = await startDatasetServer({ dataset: 'objects-suite', names: NAMES, dim: 4, dialect });
    ({ home, datasetId, embeddingId } = server);
    const stored = await call(server, 'POST', `/v1/datasets/${datasetId}/predictions`, {
      tasks: [
        {
          name: 'det',
          task_type: 'object-detection',
          categories: [{ id: 0, name: 'thing' }],
          images: NAMES.map((file_name, i) => ({ file_name, predictions: i < 4 ? [box(10)] : [] })),
        },
        { name: 'cls', task_type: 'classification', categories: [{ id: 0, name: 'a' }, { id: 1, name: 'b' }], images: [{ file_name: 'a.jpg', predictions: [{ category_id: 0, probabilities: [0.9, 0.1] }] }] },
      ],
    });
    expect(stored.status, JSON.stringify(stored.body)).toBe(200);
  });
  afterAll(() => server?.close());

  it('stores a task\'s object embeddings and names the line and field of a bad upload', async () => {
    const good = await put('det', objectsCsv([['a.jpg#0', 0], ['b.jpg#0', 5], ['c.jpg#0', 180], ['d.jpg#0', 90]]));
    expect(good.status, JSON.stringify(good.body)).toBe(200);
    expect(good.body).toEqual({ task: 'det', objects: 4, images: 4, dim: 2 });
    const unknown = await put('det', objectsCsv([['a.jpg#0', 0], ['zz.jpg#0', 5]]));
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatch(/^det\.csv:3 \(column "filenames"\): "zz\.jpg" is not a sample of the dataset/);
    const notObject = await put('det', objectsCsv([['a.jpg', 0]]));
    expect(notObject.body.error).toMatch(/det\.csv:2 \(column "filenames"\): "a\.jpg" is not an object row name/);
    expect((await put('cls', objectsCsv([['a.jpg#0', 0]]))).body.error).toMatch(/task "cls" is classification/);
    expect((await put('nope', objectsCsv([['a.jpg#0', 0]]))).status).toBe(404);
  });

  it('selects images through their objects in a selection job; a task without object embeddings is a 400 naming the field', async () => {
    const run = async (newTagName: string, selection: unknown) => {
      const { status, body } = await call(server, 'POST', `/v1/datasets/${datasetId}/embeddings/${embeddingId}/sampling`, { newTagName, selection });
      if (status !== 200) return { status, error: body.error as string };
      for (;;) {
        const job = (await call(server, 'GET', `/v1/jobs/${body.jobId}`)).body;
        if (job.status === 'FINISHED') return { status, ranked: (await call(server, 'GET', `/v1/jobs/${body.jobId}/scores`)).body.map((s: { fileName: string }) => s.fileName) as string[] };
        if (job.status === 'FAILED') throw new Error(job.error);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const objects = await run('objects-3', { n: 3, strategies: [{ input: { type: 'EMBEDDINGS', task: 'det' }, strategy: { type: 'DIVERSITY' } }] });
    // a and b tie for the first pick (their objects are 5° apart); then c (opposite), then d (90°); e has no object: last.
    const picks = objects.ranked!.slice(0, 3);
    expect(picks).toEqual(expect.arrayContaining(['c.jpg', 'd.jpg']));
    expect(picks.filter((f) => f === 'a.jpg' || f === 'b.jpg')).toHaveLength(1);
    expect(objects.ranked!.at(-1)).toBe('e.jpg');
    const missing = await run('objects-missing', { n: 2, strategies: [{ input: { type: 'EMBEDDINGS', task: 'cls' }, strategy: { type: 'DIVERSITY' } }] });
    expect(missing.status).toBe(400);
    expect(missing.error).toMatch(/strategies\[0\]\.input\.task: task "cls" has no object embeddings on this dataset/);
  });

  it('uploads an object-embeddings file through the HTTP and the embedded client alike', async () => {
    const csv = path.join(home, 'det.csv');
    await writeFile(csv, objectsCsv([['a.jpg#0', 0], ['c.jpg#0', 180]]));
    const http = createHttpClient({ baseUrl: server.baseUrl, token: server.token });
    expect(await http.uploadObjectEmbeddings(datasetId, 'det', csv)).toEqual({ task: 'det', objects: 2, images: 2, dim: 2 });
    await expect(http.uploadObjectEmbeddings(datasetId, 'cls', csv)).rejects.toThrow(/task "cls" is classification/);
    if (dialect.name !== 'sqlite') return; // the embedded client opens the home's SQLite store
    const local = await connectPlatform({ home: path.join(home, 'embedded') });
    try {
      const dataset = await local.client.createDataset('objects-embedded');
      await local.client.createSamples(dataset.id, NAMES.map((fileName) => ({ fileName })));
      await local.client.uploadPredictions(dataset.id, {
        tasks: [{ name: 'det', task_type: 'object-detection', categories: [{ id: 0, name: 'thing' }], images: [{ file_name: 'a.jpg', predictions: [box(1)] }, { file_name: 'c.jpg', predictions: [box(2)] }] }],
      });
      expect(await local.client.uploadObjectEmbeddings(dataset.id, 'det', csv)).toEqual({ task: 'det', objects: 2, images: 2, dim: 2 });
    } finally {
      await local.close();
    }
  });
});
