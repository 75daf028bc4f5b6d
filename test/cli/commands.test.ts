import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseMagicArguments } from '../../src/cli/commands/magic';
import { generateDemoDataset, type DemoDataset } from '../../src/demo/generate-demo-dataset';
import { winnowCli } from '../winnow-cli';


const winnow = winnowCli;

describe('winnow magic arguments', () => {
  it('maps lightly-magic keys onto winnow run flags', () => {
    expect(
      parseMagicArguments(["trainer.max_epochs=0", "token='abc'", "new_dataset_name='my-dataset'", 'input_dir=/path', 'custom_metadata=m.json', 'upload=thumbnails']),
    ).toEqual({ token: 'abc', dataset: 'my-dataset', input: '/path', metadata: 'm.json', upload: 'thumbnails' });
  });

  it('refuses training options, unknown keys and bad values with a clear message', () => {
    expect(() => parseMagicArguments(['trainer.max_epochs=10', 'input_dir=/p', 'new_dataset_name=d'])).toThrow(/does not train.*trainer.max_epochs=0/);
    expect(() => parseMagicArguments(['optimizer.lr=0.1', 'input_dir=/p', 'new_dataset_name=d'])).toThrow(/optimizer.lr: Winnow does not offer lightly's training options/);
    expect(() => parseMagicArguments(['colour=red', 'input_dir=/p', 'new_dataset_name=d'])).toThrow(/unknown key "colour"/);
    expect(() => parseMagicArguments(['upload=everything', 'input_dir=/p', 'new_dataset_name=d'])).toThrow(/upload=everything: use one of full, thumbnails, metadata/);
    expect(() => parseMagicArguments(['new_dataset_name=d'])).toThrow(/input_dir=… is required/);
    expect(() => parseMagicArguments(['input_dir=/p'])).toThrow(/new_dataset_name=… or dataset_id=… is required/);
    expect(() => parseMagicArguments(['input_dir'])).toThrow(/expected key=value/);
  });
});

describe('winnow magic, datasets, tags, export on the embedded store', () => {
  let work: string;
  let home: string;
  let demo: DemoDataset;

  beforeAll(async () => {
    work = mkdtempSync(path.join(os.tmpdir(), 'winnow-cli-'));
    home = path.join(work, 'home');
    demo = await generateDemoDataset({ dir: path.join(work, 'data'), perGroup: 4, size: 64 });
    const magic = await winnow(['magic', 'trainer.max_epochs=0', `input_dir=${demo.imagesDir}`, 'new_dataset_name=magic-set', `custom_metadata=${demo.metadataPath}`, 'upload=metadata', 'select=5', `home=${home}`]);
    expect(magic.code, magic.stderr).toBe(0);
    expect(magic.stdout).toMatch(/selected\s+5/);
  });

  it('lists the dataset with its sample count', async () => {
    const out = await winnow(['datasets', '--home', home]);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(new RegExp(`magic-set\\s+${demo.images}\\s+[0-9a-f]+`));
  });

  it('lists tags with sizes and lineage', async () => {
    const out = await winnow(['tags', 'magic-set', '--home', home, '--json']);
    expect(out.code, out.stderr).toBe(0);
    const tags = JSON.parse(out.stdout) as Array<{ name: string; size: number }>;
    expect(tags.find((t) => t.name === 'initial-tag')?.size).toBe(demo.images);
    expect(tags.find((t) => t.name === 'coverage-diversity-5')?.size).toBe(5);
    const table = await winnow(['tags', 'magic-set', '--home', home]);
    expect(table.stdout).toMatch(/coverage-diversity-5\s+5\s+initial-tag/);
  });

  it('exports a tag as file names, CSV and JSON', async () => {
    const names = await winnow(['export', 'magic-set', '--tag', 'coverage-diversity-5', '--home', home]);
    expect(names.code, names.stderr).toBe(0);
    const list = names.stdout.trim().split('\n');
    expect(list).toHaveLength(5);
    const csv = await winnow(['export', 'magic-set', '--tag', 'coverage-diversity-5', '--format', 'csv', '--home', home]);
    const lines = csv.stdout.trim().split('\n');
    expect(lines[0]).toBe('fileName,thumbName,width,height');
    expect(lines.slice(1).map((l) => l.split(',')[0]).sort()).toEqual([...list].sort());
    expect(lines[1]).toMatch(/,,64,64$/); // metadata upload mode: no thumbnail, but sizes
    const json = await winnow(['export', 'magic-set', '--tag', 'coverage-diversity-5', '--format', 'json', '--home', home]);
    expect((JSON.parse(json.stdout) as { samples: unknown[] }).samples).toHaveLength(5);
  });

  it('names a missing tag or dataset and exits 1', async () => {
    const noTag = await winnow(['export', 'magic-set', '--tag', 'nope', '--home', home]);
    expect(noTag.code).toBe(1);
    expect(noTag.stderr).toMatch(/nope/);
    const noDataset = await winnow(['tags', 'no-such-dataset', '--home', home]);
    expect(noDataset.code).toBe(1);
    expect(noDataset.stderr).toMatch(/no-such-dataset/);
  });
});
