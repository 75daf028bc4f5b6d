import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openWorkspace, readList, writeList } from '../../src/pipeline/run-files/work-folder';
import { parsePipelineConfig } from '../../src/pipeline/config';

const config = (extra: Record<string, unknown> = {}) =>
  parsePipelineConfig({ dataset: '../etc/passwd', source: { bucket: 'b' }, select: 1, tag: { name: 't' }, platform: { home: 'h' }, ...extra });

describe('workspace', () => {
  it('keeps every path inside the work root, whatever the dataset name or workflow id', () => {
    const ws = openWorkspace('/work', config(), 'winnow-x/../../y');
    expect(ws.datasetDir).toBe('/work/__etc_passwd');
    expect(ws.runDir).toBe('/work/__etc_passwd/runs/winnow-x_.._.._y');
    expect(ws.shardCsv(7)).toBe('/work/__etc_passwd/runs/winnow-x_.._.._y/shards/shard-000007.csv');
    expect(openWorkspace('/work', config({ workDir: 'farm' }), 'id').imagesDir).toBe('/work/farm/images');
  });

  it('writes a list atomically and reads a window of it', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'winnow-ws-')), 'runs', 'files.txt');
    await writeList(file, ['a.jpg', 'b.jpg', 'c.jpg', 'd.jpg']);
    expect(await readList(file)).toEqual(['a.jpg', 'b.jpg', 'c.jpg', 'd.jpg']);
    expect(await readList(file, 1, 2)).toEqual(['b.jpg', 'c.jpg']);
    await writeList(file, []);
    expect(await readList(file)).toEqual([]);
  });
});
