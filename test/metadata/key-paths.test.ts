import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from '../fixture-files';
import { discoverMetadataKeys, getMetadataValue, metadataByFileName, parseJsonWithPositions, readCustomMetadataFile, type CustomMetadata } from '../../src/metadata';

const FIXTURE = path.join(FIXTURES, 'lightly', 'custom_metadata.json');

describe('metadata key paths', () => {
  it('discovers every leaf path of the fixture with type and count', async () => {
    expect(discoverMetadataKeys(await readCustomMetadataFile(FIXTURE))).toEqual([
      { path: 'night', type: 'boolean', count: 1 },
      { path: 'number_of_pedestrians', type: 'integer', count: 3 },
      { path: 'tags', type: 'array', count: 1 },
      { path: 'weather.scenario', type: 'string', count: 3 },
      // 15.0 in the file is a float even though it is whole.
      { path: 'weather.temperature', type: 'float', count: 3 },
    ]);
  });

  it('merges integer and float into float and lists other clashes per type', () => {
    const meta = parseJsonWithPositions(
      '{"images": [], "metadata": [{"image_id": 0, "a": 1, "b": "x", "c": null, "d": {"e": 1}}, {"image_id": 1, "a": 2.5, "b": 3, "d": 4}]}',
      'mixed.json',
    ) as CustomMetadata;
    expect(discoverMetadataKeys(meta)).toEqual([
      { path: 'a', type: 'float', count: 2 },
      { path: 'b', type: 'string', count: 1 },
      { path: 'b', type: 'integer', count: 1 },
      { path: 'c', type: 'null', count: 1 },
      { path: 'd', type: 'integer', count: 1 },
      { path: 'd.e', type: 'integer', count: 1 },
    ]);
  });

  it('reads values by dotted path, arrays by index', async () => {
    const meta = await readCustomMetadataFile(FIXTURE);
    const byName = metadataByFileName(meta);
    expect([...byName.keys()]).toEqual(['image0.jpg', 'image1.jpg', 'image2.jpg']);
    const third = byName.get('image2.jpg');
    expect(getMetadataValue(third, 'weather.temperature')).toBe(27.5);
    expect(getMetadataValue(third, 'tags.1')).toBe('urban');
    expect(getMetadataValue(third, 'tags.x')).toBeUndefined();
    expect(getMetadataValue(third, 'weather.missing.deeper')).toBeUndefined();
    expect(getMetadataValue(third, 'night')).toBe(false);
    expect(getMetadataValue(third, 'toString')).toBeUndefined();
    expect(getMetadataValue(byName.get('image0.jpg'), 'night')).toBeUndefined();
  });
});
