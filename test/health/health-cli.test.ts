import { copyFile, mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { connectPlatform } from '../../src/platform';
import { winnowCli } from '../winnow-cli';

const PHOTOS = path.join(__dirname, '..', 'fixtures', 'model-parity');

/** The fixture photos (real, from scikit-image and scikit-learn) plus copies with known defects and a broken file. */
async function photoFolder(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'winnow-health-cli-'));
  const images = path.join(dir, 'images');
  await mkdir(images);
  for (const f of await readdir(PHOTOS)) await copyFile(path.join(PHOTOS, f), path.join(images, f));
  const astronaut = path.join(PHOTOS, 'skimage-astronaut.png');
  await copyFile(astronaut, path.join(images, 'astronaut-copy.png'));
  await sharp(astronaut).resize({ width: 150 }).jpeg({ quality: 80 }).toFile(path.join(images, 'astronaut-small.jpg'));
  await sharp(path.join(PHOTOS, 'skimage-coffee.png')).blur(6).toFile(path.join(images, 'coffee-blurred.png'));
  await sharp(path.join(PHOTOS, 'sklearn-china.png')).linear(0.2, 0).toFile(path.join(images, 'china-dark.png'));
  await writeFile(path.join(images, 'broken.jpg'), 'not an image');
  return dir;
}

describe('winnow health', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await photoFolder();
  }, 60_000);

  it('reports duplicates with keepers, quality issues and the unreadable file of a folder', async () => {
    const out = path.join(dir, 'report.json');
    const { code, stdout, stderr } = await winnowCli(['health', path.join(dir, 'images'), '--work', path.join(dir, 'work'), '--out', out]);
    expect(stderr).not.toMatch(/Error/);
    expect(code).toBe(0);
    expect(stdout).toMatch(/exact duplicates\s+1/);
    // Same bytes, same size: the earlier name is kept.
    expect(stdout).toMatch(/keep astronaut-copy\.png; remove skimage-astronaut\.png/);
    const report = JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(out, 'utf8')));
    const near = report.nearDuplicates.find((g: { files: string[] }) => g.files.includes('astronaut-small.jpg'));
    expect(near.files.sort()).toEqual(['astronaut-copy.png', 'astronaut-small.jpg', 'skimage-astronaut.png']);
    expect(near.keeper).toBe('astronaut-copy.png'); // largest (the fixtures are 224 px, the small copy 150)
    expect(report.issues.blurry.files.map((f: { fileName: string }) => f.fileName)).toContain('coffee-blurred.png');
    expect(report.issues.dark.files.map((f: { fileName: string }) => f.fileName)).toEqual(['china-dark.png']);
    expect(report.unreadable).toEqual([{ file: 'broken.jpg', reason: expect.stringMatching(/not a supported image|corrupt/) }]);
  }, 180_000);

  it('puts the measures and tags on a platform dataset', async () => {
    const home = path.join(dir, 'home');
    const names = (await readdir(path.join(dir, 'images'))).filter((f) => f !== 'broken.jpg').sort();
    const setup = await connectPlatform({ home });
    const dataset = await setup.client.createDataset('health-cli');
    await setup.client.createSamples(dataset.id, names.map((fileName) => ({ fileName })));
    await setup.close();
    const { code, stdout } = await winnowCli(['health', path.join(dir, 'images'), '--work', path.join(dir, 'work'), '--dataset', 'health-cli', '--home', home]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/dataset health-cli: measures in 12 samples' metaData; tags duplicates-removed \(9\)/);
    const check = await connectPlatform({ home });
    try {
      const kept = await check.client.exportFilenamesByTagName(dataset.id, 'duplicates-removed');
      expect(kept).toContain('astronaut-copy.png');
      expect(kept).not.toContain('skimage-astronaut.png');
      expect(await check.client.exportFilenamesByTagName(dataset.id, 'dark')).toEqual(['china-dark.png']);
      const sample = await check.client.getSampleById(dataset.id, await firstSample(check.client, dataset.id, 'china-dark.png'));
      expect(sample.metaData).toMatchObject({ luminance: expect.any(Number), sharpness: expect.any(Number), sha256: expect.stringMatching(/^[0-9a-f]{64}$/), shape: [224, 224, 3] });
    } finally {
      await check.close();
    }
  }, 180_000);

  it('checks a new batch against a persistent index without rebuilding it', async () => {
    const index = path.join(dir, 'photos.usearch');
    const first = await winnowCli(['health', path.join(dir, 'images'), '--work', path.join(dir, 'work'), '--index', index]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/index .*photos\.usearch: 12 new images checked against 0 indexed/);
    await copyFile(path.join(PHOTOS, 'skimage-rocket.png'), path.join(dir, 'images', 'rocket-again.png'));
    const second = await winnowCli(['health', path.join(dir, 'images'), '--work', path.join(dir, 'work'), '--index', index]);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/1 new images checked against 12 indexed/);
    expect(second.stdout).toContain('rocket-again.png: exact duplicate of skimage-rocket.png');
  }, 180_000);

  it('exits 2 naming the field for a threshold out of range, and asks to embed a dataset without embeddings first', async () => {
    const bad = await winnowCli(['health', path.join(dir, 'images'), '--threshold', '1.5']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('health.nearDuplicateThreshold must be a number in (0, 1], got 1.5');
    const badIssue = await winnowCli(['health', path.join(dir, 'images'), '--issue-threshold', 'dark=7']);
    expect(badIssue.code).toBe(2);
    expect(badIssue.stderr).toContain('health.thresholds.dark must be a number in [0, 1], got 7');
    const noEmbeddings = await winnowCli(['health', '--dataset', 'health-cli', '--home', path.join(dir, 'home')]);
    expect(noEmbeddings.code).toBe(1);
    expect(noEmbeddings.stderr).toMatch(/has no embeddings: embed the images first/);
  }, 60_000);
});

async function firstSample(client: import('../../src/platform/client/platform-client').PlatformClient, datasetId: string, fileName: string): Promise<string> {
  for await (const s of client.iterateSamples(datasetId)) if (s.fileName === fileName) return s.id;
  throw new Error(`no sample ${fileName}`);
}
