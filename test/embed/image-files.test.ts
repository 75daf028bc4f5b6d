import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidConfigError } from '../../src/errors';
import { labelFor, listClasses, listImageFiles, normaliseSubset, scanInputDir } from '../../src/embed/image-files';
import { tempDir } from './images';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  for (const f of ['dogs/b.jpg', 'dogs/a.PNG', 'cats/x/deep.webp', 'cats/1.jpeg', 'loose.gif', 'Zebra.tif', 'notes.txt', '.hidden.jpg', '.git/c.jpg', 'empty/readme.md']) {
    await mkdir(path.dirname(path.join(dir, f)), { recursive: true });
    await writeFile(path.join(dir, f), 'x');
  }
});
afterAll(() => cleanup());

describe('listImageFiles', () => {
  it('lists images recursively, relative with /, sorted by code point like Python', async () => {
    expect(await listImageFiles(dir)).toEqual(['Zebra.tif', 'cats/1.jpeg', 'cats/x/deep.webp', 'dogs/a.PNG', 'dogs/b.jpg', 'loose.gif']);
  });

  it('reports other files and the sorted class folders', async () => {
    const scan = await scanInputDir(dir);
    expect(scan.unsupported).toEqual(['empty/readme.md', 'notes.txt']);
    expect(scan.classes).toEqual(['cats', 'dogs', 'empty']);
    expect(await listClasses(dir)).toEqual(scan.classes);
  });

  it('refuses a missing folder', async () => {
    await expect(listImageFiles(path.join(dir, 'nope'))).rejects.toBeInstanceOf(InvalidConfigError);
  });
});

describe('labelFor', () => {
  it('uses the index of the first sub-folder, else 0', () => {
    const classes = ['cats', 'dogs', 'empty'];
    expect(labelFor('dogs/b.jpg', classes)).toBe(1);
    expect(labelFor('cats/x/deep.webp', classes)).toBe(0);
    expect(labelFor('loose.gif', classes)).toBe(0);
  });
});

describe('normaliseSubset', () => {
  it('accepts relative paths inside the folder and refuses escapes', () => {
    expect(normaliseSubset(dir, ['dogs/b.jpg', './cats/1.jpeg'])).toEqual(['dogs/b.jpg', 'cats/1.jpeg']);
    expect(() => normaliseSubset(dir, ['../etc/passwd'])).toThrow(InvalidConfigError);
    expect(() => normaliseSubset(dir, ['/etc/passwd'])).toThrow(InvalidConfigError);
  });
});
