import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatNameList, parseNameList, readNameListFile } from '../src/name-list';

describe('name lists (one format: UTF-8, one name per line)', () => {
  it('round-trips names with spaces, unicode and folders; an empty list is an empty file', () => {
    const names = ['cats/a b.jpg', ' leading space.png', 'ünï/ċødé.webp'];
    expect(formatNameList(names)).toBe('cats/a b.jpg\n leading space.png\nünï/ċødé.webp\n');
    expect(parseNameList(formatNameList(names))).toEqual(names);
    expect(formatNameList([])).toBe('');
    expect(parseNameList('')).toEqual([]);
  });

  it('reads a hand-written list: CRLF line ends and blank lines are fine', () => {
    expect(parseNameList('a.jpg\r\n\r\nb.jpg\r\n')).toEqual(['a.jpg', 'b.jpg']);
  });

  it('refuses a file that is not UTF-8, naming it', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'names-')), 'latin1.txt');
    writeFileSync(file, Buffer.from([0x61, 0xe9, 0x0a]));
    await expect(readNameListFile(file)).rejects.toThrow(file);
  });
});
