import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { embedImages } from '../../src/embed';

// The compiled package (test/global-setup.ts builds dist/ before the suites): only there is there a worker file, so
// only there are the measures taken on a worker thread while the model runs on this one.
const dist = path.join(__dirname, '..', '..', 'dist', 'src');
const compiled = createRequire(import.meta.url)(path.join(dist, 'embed', 'index.js')) as typeof import('../../src/embed');
const PHOTOS = path.join(__dirname, '..', 'fixtures', 'model-parity');

const work = mkdtemp(path.join(tmpdir(), 'winnow-measures-'));
afterAll(async () => rm(await work, { recursive: true, force: true }));

describe('health measures on a worker thread (compiled package)', () => {
  it('are the same lines, in the same order, as measured in-thread, beside the same embeddings', async () => {
    const dir = await work;
    expect(existsSync(path.join(dist, 'health', 'measure-worker.js'))).toBe(true);
    const onWorker = await compiled.embedImages({ inputDir: PHOTOS, outCsv: path.join(dir, 'worker.csv'), resume: false, batchSize: 3 });
    const inThread = await embedImages({ inputDir: PHOTOS, outCsv: path.join(dir, 'thread.csv'), resume: false, batchSize: 3 });
    expect(onWorker.embedded).toBe(8);
    const lines = async (name: string) => (await readFile(path.join(dir, name), 'utf8')).trim().split('\n');
    const measured = await lines('worker.measures.jsonl');
    expect(measured).toHaveLength(8);
    expect(measured).toEqual(await lines('thread.measures.jsonl'));
    expect(JSON.parse(measured[0])).toMatchObject({ fileName: 'skimage-astronaut.png', width: 224, height: 224 });
    expect(await lines('worker.csv')).toEqual(await lines('thread.csv'));
    expect(inThread.embedded).toBe(8);
  });
});
