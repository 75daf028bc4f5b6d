import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../fixture-files';
import { winnowCli } from '../winnow-cli';

const ROOT = path.join(__dirname, '..', '..');
const FIXTURE = path.join(FIXTURES, 'lightly', 'custom_metadata.json');
const dir = mkdtempSync(path.join(tmpdir(), 'winnow-metadata-cli-'));

const winnow = (...args: string[]) => winnowCli(args);

beforeAll(() => {
  if (!existsSync(path.join(ROOT, 'dist', 'src', 'cli', 'commands', 'metadata.js'))) {
    throw new Error('dist/ has no metadata command: run `npm run build` before the CLI tests');
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const KEYS = [
  'key paths:',
  '  night                  boolean  1 image',
  '  number_of_pedestrians  integer  3 images',
  '  tags                   array    1 image',
  '  weather.scenario       string   3 images',
  '  weather.temperature    float    3 images',
].join('\n');

describe('winnow metadata validate (built binary)', () => {
  it('prints counts and the discovered key paths', async () => {
    expect(await winnow('metadata', 'validate', FIXTURE)).toEqual({
      code: 0,
      stdout: `${FIXTURE}: valid, 3 images, 3 with metadata\n${KEYS}\n`,
      stderr: '',
    });
    const json = JSON.parse((await winnow('metadata', 'validate', FIXTURE, '--json')).stdout);
    expect(json.keys[4]).toEqual({ path: 'weather.temperature', type: 'float', count: 3 });
    expect(json.images).toBe(3);
  });

  it('checks file names against a list file or a folder of images and warns about the rest', async () => {
    const list = path.join(dir, 'names.txt');
    writeFileSync(list, 'image0.jpg\r\nimage1.jpg\r\n\r\n');
    expect((await winnow('metadata', 'validate', FIXTURE, '--filenames', list)).stdout).toBe(
      `${FIXTURE}: valid, 3 images, 3 with metadata\nwarning: 1 image is not in the dataset and will be skipped: "image2.jpg"\n${KEYS}\n`,
    );
    const images = path.join(dir, 'images');
    mkdirSync(path.join(images, 'sub'), { recursive: true });
    mkdirSync(path.join(images, '.hidden'), { recursive: true });
    for (const name of ['image0.jpg', 'image1.jpg', 'image2.jpg', 'notes.txt', 'sub/x.png', '.hidden/image9.jpg']) {
      writeFileSync(path.join(images, name), '');
    }
    const result = await winnow('metadata', 'validate', FIXTURE, '--filenames', images);
    expect(result.stdout).toBe(`${FIXTURE}: valid, 3 images, 3 with metadata\n${KEYS}\n`);
  });

  it('exits 1 with line and column for broken JSON, 2 for a bad --filenames', async () => {
    const bad = path.join(FIXTURES, 'bad', 'custom_metadata_trailing_commas.json');
    expect(await winnow('metadata', 'validate', bad)).toEqual({
      code: 1,
      stdout: '',
      stderr: `winnow: ${bad}:6:9: invalid JSON: trailing comma before "}" (the comma on line 5, column 20 must go)\n`,
    });
    const nowhere = path.join(dir, 'nowhere');
    expect(await winnow('metadata', 'validate', FIXTURE, '--filenames', nowhere)).toEqual({
      code: 2,
      stdout: '',
      stderr: `winnow: --filenames: ${nowhere} is neither a file nor a folder\n`,
    });
  });
});
