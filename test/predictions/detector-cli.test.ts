import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { winnowCli } from '../winnow-cli';
import { detectorConfig, drawImage, quadrantDetector } from './quadrant-detector';

let root: string;
let photos: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'winnow-detect-cli-'));
  photos = path.join(root, 'photos');
  await mkdir(photos, { recursive: true });
  await writeFile(path.join(root, 'quadrants.onnx'), quadrantDetector());
  await writeFile(path.join(root, 'det.json'), JSON.stringify(detectorConfig));
  const red = (left: number, top: number) => ({ left, top, width: 32, height: 24, colour: '#ff0000' });
  await drawImage(path.join(photos, 'red-a.png'), 64, 48, [red(0, 0)]);
  await drawImage(path.join(photos, 'red-b.png'), 64, 48, [red(32, 0)]);
  await drawImage(path.join(photos, 'red-c.png'), 64, 48, [red(0, 24)]);
  await drawImage(path.join(photos, 'red-green.png'), 64, 48, [red(0, 0), { left: 32, top: 24, width: 32, height: 24, colour: '#00ff00' }]);
  await drawImage(path.join(photos, 'blank.png'), 64, 48, []);
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('winnow predict with a detector → embed-objects → select through objects', () => {
  it('writes detections, embeds their crops and selects the image with the novel object', async () => {
    const predict = await winnowCli(['predict', photos, '--task', 'det', '--model', path.join(root, 'quadrants.onnx'), '--model-config', path.join(root, 'det.json'), '--embed-objects']);
    expect(predict.code, predict.stderr).toBe(0);
    expect(predict.stdout).toMatch(/^5 images predicted, 5 objects with quadrants\.onnx \(2 categories\)/);
    expect(predict.stdout).toMatch(/5 objects of 4 images embedded with efficientnet-lite0@\w+ .*wrote .*\.lightly\/object-embeddings\/det\.csv/);
    const redGreen = JSON.parse(await readFile(path.join(photos, '.lightly/predictions/det/red-green.json'), 'utf8'));
    expect(redGreen.predictions.map((p: { category_id: number; bbox: number[] }) => [p.category_id, p.bbox])).toEqual([
      [0, [0, 0, 32, 24]],
      [1, [32, 24, 32, 24]],
    ]);

    const embed = await winnowCli(['embed', photos, '--out', path.join(root, 'images.csv')]);
    expect(embed.code, embed.stderr).toBe(0);
    await writeFile(path.join(root, 'objects.json'), JSON.stringify({ n: 2, strategies: [{ input: { type: 'EMBEDDINGS', task: 'det' }, strategy: { type: 'DIVERSITY' } }] }));
    for (const seed of ['0', '1', '2']) {
      const out = path.join(root, `selection-${seed}.json`);
      const select = await winnowCli(['select', '--embeddings', path.join(root, 'images.csv'), '--predictions', photos, '--config', path.join(root, 'objects.json'), '--seed', seed, '--out', out]);
      expect(select.code, select.stderr).toBe(0);
      const selection = JSON.parse(await readFile(out, 'utf8'));
      // Every red crop is the same object; the green one is the only novel object, so its image is always among 2 picks.
      expect(selection.selected).toContain('red-green.png');
      expect(selection.ranking.at(-1).fileName).toBe('blank.png');
    }

    // A task without object embeddings is a usage error naming the field and the command that makes them.
    await writeFile(path.join(root, 'other.json'), JSON.stringify({ n: 2, strategies: [{ input: { type: 'EMBEDDINGS', task: 'other' }, strategy: { type: 'DIVERSITY' } }] }));
    const missing = await winnowCli(['select', '--embeddings', path.join(root, 'images.csv'), '--predictions', photos, '--config', path.join(root, 'other.json'), '--out', path.join(root, 'x.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no object embeddings for task "other" .*winnow predictions embed-objects/);
  }, 300_000);
});
