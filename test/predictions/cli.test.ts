import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectPlatform } from '../../src/platform';
import { winnowCli } from '../winnow-cli';

let root: string;
const put = async (file: string, value: unknown) => {
  await mkdir(path.dirname(path.join(root, file)), { recursive: true });
  await writeFile(path.join(root, file), typeof value === 'string' ? value : JSON.stringify(value));
};

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'winnow-pred-cli-'));
  const names = ['a.jpg', 'b.jpg', 'c.jpg', 'd.jpg'];
  // Four points on the unit circle; the classifier is sure about a and c and unsure about b and d.
  const angles = [0, 90, 180, 270];
  await put(
    'embeddings.csv',
    ['filenames,embedding_0,embedding_1,labels', ...names.map((n, i) => `${n},${Math.cos((angles[i] * Math.PI) / 180).toFixed(6)},${Math.sin((angles[i] * Math.PI) / 180).toFixed(6)},0`)].join('\r\n') + '\r\n',
  );
  await put('.lightly/predictions/tasks.json', ['pets']);
  await put('.lightly/predictions/pets/schema.json', { task_type: 'classification', categories: [{ id: 0, name: 'cat' }, { id: 1, name: 'dog' }] });
  const p = { 'a.jpg': 0.99, 'b.jpg': 0.55, 'c.jpg': 0.02, 'd.jpg': 0.6 } as Record<string, number>;
  for (const n of names) {
    await put(`.lightly/predictions/pets/${n.replace('.jpg', '.json')}`, { file_name: n, predictions: [{ category_id: p[n] >= 0.5 ? 0 : 1, probabilities: [p[n], 1 - p[n]] }] });
  }
  await put('.lightly/predictions/pets/bad.json', { file_name: 'bad.jpg', predictions: [{ category_id: 3, probabilities: [0.5, 0.5] }] });
  await put('config.json', { n: 2, strategies: [{ input: { type: 'SCORES', task: 'pets', score: 'uncertainty_margin' }, strategy: { type: 'WEIGHTS' } }] });
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('winnow predictions / select --predictions', () => {
  it('checks a datasource, names the bad file and field, and writes the scores', async () => {
    const out = path.join(root, 'scores.json');
    const r = await winnowCli(['predictions', 'check', root, '--scores', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('pets: classification, 2 categories, 4 images, 4 predictions');
    expect(r.stdout).toContain('1 file(s) skipped');
    expect(r.stderr).toMatch(/warning: skipped .*pets\/bad.json \(column "predictions\[0\]\.category_id"\): unknown category 3/);
    const scores = JSON.parse(await readFile(out, 'utf8'));
    expect(scores.pets['b.jpg'].uncertainty_margin).toBeCloseTo(0.9, 9);
  });

  it('selects the most uncertain images by a SCORES input read from the predictions', async () => {
    const out = path.join(root, 'selection.json');
    const r = await winnowCli(['select', '--embeddings', path.join(root, 'embeddings.csv'), '--config', path.join(root, 'config.json'), '--predictions', root, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(await readFile(out, 'utf8')).selected).toEqual(['b.jpg', 'd.jpg']);
  });

  it('exports just the samples new in a round (winnow export --new-in-round / --new-since)', async () => {
    const home = path.join(root, 'home');
    const platform = await connectPlatform({ home });
    try {
      const { client } = platform;
      const dataset = await client.createDataset('rounds');
      await client.createSamples(dataset.id, ['a.jpg', 'b.jpg', 'c.jpg', 'd.jpg'].map((fileName) => ({ fileName })));
      const embedding = await client.uploadEmbeddings(dataset.id, path.join(root, 'embeddings.csv'), 'default');
      const select = async (newTagName: string, preselectedTagId?: string) => {
        const { jobId } = await client.startSelection(dataset.id, embedding.id, { newTagName, preselectedTagId, selection: { n: 1, strategy: 'coreset' } });
        return (await client.waitForJob(jobId)).result?.data as string;
      };
      await select('round-2', await select('round-1'));
    } finally {
      await platform.close();
    }
    const all = await winnowCli(['export', 'rounds', '--tag', 'round-2', '--home', home]);
    expect(all.stdout.trim().split('\n')).toHaveLength(2);
    const fresh = await winnowCli(['export', 'rounds', '--tag', 'round-2', '--new-in-round', '--home', home]);
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(fresh.stderr).toContain('round 2: 1 sample(s) new in round-2');
    const round1 = await winnowCli(['export', 'rounds', '--tag', 'round-1', '--home', home]);
    expect(fresh.stdout.trim().split('\n')).toEqual(all.stdout.trim().split('\n').filter((n) => n !== round1.stdout.trim()));
    const since = await winnowCli(['export', 'rounds', '--tag', 'round-2', '--new-since', 'round-1', '--home', home]);
    expect(since.stdout).toBe(fresh.stdout);
  });
});
