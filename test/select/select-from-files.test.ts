import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../../src/errors';
import { readSelectionConfigFile, selectFromFiles } from '../../src/select';
import { FIXTURES } from '../fixture-files';

const fixtures = path.join(FIXTURES, 'lightly');

describe('selectFromFiles', () => {
  it('loads the CSV and validates a raw config', async () => {
    const result = await selectFromFiles({ embeddingsPath: path.join(fixtures, 'embeddings_1000x32.csv'), config: { n: 10, strategy: 'coreset' } });
    expect(result.selected).toHaveLength(10);
    await expect(
      selectFromFiles({ embeddingsPath: path.join(fixtures, 'embeddings_1000x32.csv'), config: { n: 10, strategies: [{ input: { type: 'EMBEDDINGS' }, strategy: { type: 'NOPE' } }] } }),
    ).rejects.toThrow(/unknown strategy "NOPE"/);
  });

  it('joins custom metadata by file name for METADATA strategies', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'winnow-select-'));
    const csv = path.join(dir, 'e.csv');
    writeFileSync(csv, 'filenames,embedding_0,embedding_1,labels\r\nimage0.jpg,1,0,0\r\nimage1.jpg,0,1,0\r\nimage2.jpg,-1,0,0\r\n');
    const result = await selectFromFiles({
      embeddingsPath: csv,
      metadataPath: path.join(fixtures, 'custom_metadata.json'),
      config: { n: 1, strategy: 'weights', key: 'weather.temperature' },
    });
    expect(result.selected).toEqual(['image2.jpg']); // 27.5 °C
  });

  it('reads config files with clear errors', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'winnow-select-'));
    await expect(readSelectionConfigFile(path.join(dir, 'missing.json'))).rejects.toBeInstanceOf(NotFoundError);
    writeFileSync(path.join(dir, 'bad.json'), '{"n": 3,');
    await expect(readSelectionConfigFile(path.join(dir, 'bad.json'))).rejects.toThrow(/bad\.json: not valid JSON/);
  });
});
