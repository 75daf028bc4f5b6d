import { createRequire } from 'node:module';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEmbeddedClient } from '../../src/platform/client/embedded-client';
import { openStore } from '../../src/platform/store/store';
import { embeddingsCsv, tempHome } from './helpers';

// The compiled package (test/global-setup.ts builds dist/ before the suites): only there do selection and PCA run in
// a worker thread, since a worker needs JavaScript to load.
const compiled = createRequire(import.meta.url)('../../dist/src/platform/index.js') as typeof import('../../src/platform/index');

const NAMES = Array.from({ length: 300 }, (_, i) => `w/${i}.jpg`);

async function runSelection(platform: Pick<typeof compiled, 'openStore' | 'createEmbeddedClient'>, request: Record<string, unknown>) {
  const { home, cleanup } = await tempHome();
  const store = await platform.openStore({ home, databaseUrl: '' });
  const client = platform.createEmbeddedClient(store);
  try {
    const d = await client.createDataset('worker');
    await client.createSamples(d.id, NAMES.map((fileName, i) => ({ fileName, customMetaData: { sharpness: (i * 7) % 10 } })));
    await writeFile(path.join(home, 'e.csv'), embeddingsCsv(NAMES, 16, 3));
    const embedding = await client.uploadEmbeddings(d.id, path.join(home, 'e.csv'), 'default');
    const { jobId } = await client.startSelection(d.id, embedding.id, { newTagName: 'picked', ...request });
    const job = await client.waitForJob(jobId, { pollIntervalMs: 20 }).catch(async () => client.getJob(jobId));
    const picked = job.status === 'FINISHED' ? await client.exportFilenamesByTagName(d.id, 'picked') : [];
    const map = await client.getEmbeddings2d(d.id, embedding.id);
    return { job, picked, map, scores: job.status === 'FINISHED' ? await client.getSelectionScores(jobId) : [] };
  } finally {
    await client.close();
    await store.close();
    await cleanup();
  }
}

describe('selection and PCA in a worker thread (compiled package)', () => {
  it('give the same tag, ranking and 2-D map as the in-thread run', async () => {
    const request = { selection: { n: 12, strategies: [{ input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY' } }, { input: { type: 'METADATA', key: 'sharpness' }, strategy: { type: 'WEIGHTS' } }] } };
    const inWorker = await runSelection(compiled, request);
    const inThread = await runSelection({ openStore, createEmbeddedClient }, request);
    expect(inWorker.job.status).toBe('FINISHED');
    expect(inWorker.picked).toHaveLength(12);
    expect(inWorker.picked).toEqual(inThread.picked);
    expect(inWorker.scores.map((s) => s.fileName)).toEqual(inThread.scores.map((s) => s.fileName));
    expect(inWorker.map.coordinatesDimension1).toHaveLength(300);
    expect(inWorker.map.coordinatesDimension1).toEqual(inThread.map.coordinatesDimension1);
    expect(inWorker.map.coordinatesDimension2).toEqual(inThread.map.coordinatesDimension2);
  });

  it("reports the engine's error as the job's error", async () => {
    const { job } = await runSelection(compiled, { selection: { n: 2, strategy: 'weights', key: 'no.such.key' } });
    expect(job.status).toBe('FAILED');
    expect(job.error).toMatch(/no\.such\.key/);
  });
});
