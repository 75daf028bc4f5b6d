import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embedImages } from '../../../src/embed';
import { formatCustomMetadata, saveCustomMetadata } from '../../../src/metadata';
import { connectPlatform, type PlatformConnection } from '../../../src/platform';
import { healthOfFiles } from '../../../src/pipeline/steps/health';
import { uploadMetadataFile } from '../../../src/pipeline/steps/metadata';
import { saveEmbeddings, storeEmbeddings } from '../../../src/pipeline/steps/save';
import { selectFiles } from '../../../src/pipeline/steps/select';
import type { StepIO } from '../../../src/pipeline/steps/step-context';
import { tagFiles } from '../../../src/pipeline/steps/tag';
import { FIXTURES } from '../../fixture-files';

// The steps on files a caller names (what the n8n step nodes run), on the real photos of test/fixtures/model-parity
// with the real embed engine and an embedded platform: save + store, metadata, select with a datapool, tag, health.

let root: string;
let platform: PlatformConnection;
let csv: string;
let names: string[];
const warnings: string[] = [];
const io: StepIO = {
  usePlatform: (fn) => fn(platform),
  onProgress: () => undefined,
  log: { warn: (message) => warnings.push(message), debug: () => undefined },
};

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'winnow-named-files-'));
  const images = path.join(root, 'images');
  await mkdir(images);
  names = (await readdir(path.join(FIXTURES, 'model-parity'))).filter((f) => f.endsWith('.png')).sort();
  for (const f of names) await copyFile(path.join(FIXTURES, 'model-parity', f), path.join(images, f));
  csv = path.join(root, 'embedded.csv');
  // Writes the measures beside the CSV too (embedded.measures.jsonl), as the Embed node's and the shards' do.
  await embedImages({ inputDir: images, outCsv: csv });
  platform = await connectPlatform({ home: path.join(root, 'home') });
});
afterAll(async () => {
  await platform?.close();
  await rm(root, { recursive: true, force: true });
});

describe('the pipeline steps on named files', () => {
  let datasetId: string;

  it('saves a CSV in file-name order and stores samples (with the measures beside it) and the embedding; a rerun creates none', async () => {
    const saved = await saveEmbeddings(io, { inputs: [csv], outputCsv: path.join(root, 'saved.csv') });
    expect(saved).toMatchObject({ rows: names.length, fileNames: names });
    const stored = await storeEmbeddings(io, { csvFile: path.join(root, 'saved.csv'), fileNames: saved.fileNames, measuresOf: [csv], dataset: { name: 'named' } });
    expect(stored).toMatchObject({ datasetName: 'named', samples: names.length, samplesCreated: names.length });
    datasetId = stored.datasetId;
    for await (const sample of platform.client.iterateSamples(datasetId)) expect(sample.metaData?.sharpness, sample.fileName).toBeTypeOf('number');
    const again = await storeEmbeddings(io, { csvFile: path.join(root, 'saved.csv'), fileNames: saved.fileNames, measuresOf: [csv], dataset: { name: 'named' } });
    expect(again).toMatchObject({ datasetId, samplesCreated: 0 });
    await expect(stat(path.join(root, 'saved.csv.merged'))).rejects.toThrow();
  });

  it('uploads custom metadata, an entry for no sample a warning in the log and a skipped count', async () => {
    const file = path.join(root, 'metadata.json');
    await saveCustomMetadata(file, formatCustomMetadata([[names[0], { weather: 'sun' }], ['not-here.png', { weather: 'rain' }]]));
    warnings.length = 0;
    const result = await uploadMetadataFile(io, datasetId, file);
    expect(result).toMatchObject({ entries: 2, updated: 1, skipped: 1 });
    expect(warnings.join('\n')).toContain('not-here.png');
  });

  it('selects with the datapool of earlier tags, writes the selection file, and tags it: keep, replace or refuse a taken name', async () => {
    await platform.client.createTagFromFilenames(datasetId, 'picks-1', [names[0], names[1]]);
    const selectionFile = path.join(root, 'selection.txt');
    const selected = await selectFiles(io, { embeddingsCsv: csv, selection: { strategy: 'coreset', n: 3, seed: 1 }, datapool: { datasetId, tags: 'picks-*' }, selectionFile });
    expect(selected.stats.preselected).toBe(2);
    expect(selected.selected).toHaveLength(3);
    expect(selected.selected.filter((n) => n === names[0] || n === names[1])).toEqual([]);
    expect((await readFile(selectionFile, 'utf8')).trim().split('\n')).toEqual(selected.selected);

    const tag = await tagFiles(io, { datasetId, tagName: 'picks-2', fileNames: { selectionFile }, ifExists: 'fail' });
    expect(tag).toMatchObject({ name: 'picks-2', count: 3, created: true });
    expect(await tagFiles(io, { datasetId, tagName: 'picks-2', fileNames: [names[0]], ifExists: 'keep' })).toMatchObject({ tagId: tag.tagId, count: 3, created: false });
    await expect(tagFiles(io, { datasetId, tagName: 'picks-2', fileNames: [names[0]], ifExists: 'fail' })).rejects.toMatchObject({ code: 'CONFLICT' });
    const replaced = await tagFiles(io, { datasetId, tagName: 'picks-2', fileNames: [names[0]], ifExists: 'replace' });
    expect(replaced).toMatchObject({ count: 1, created: true });
    expect(replaced.tagId).not.toBe(tag.tagId);
    await writeFile(path.join(root, 'empty.txt'), '');
    await expect(tagFiles(io, { datasetId, tagName: 'none', fileNames: { selectionFile: path.join(root, 'empty.txt') }, ifExists: 'fail' })).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
  });

  it('analyses health on this machine: report and remaining CSV beside the CSV, findings published as tags', async () => {
    const result = await healthOfFiles(io, { embeddingsCsv: csv, measuresFile: csv.replace(/\.csv$/, '.measures.jsonl'), options: { keeper: 'largest' }, publish: { datasetId, tagPrefix: 'h-' } });
    expect(result).toMatchObject({ reportFile: path.join(root, 'embedded.health.json'), remainingCsv: path.join(root, 'embedded.remaining.csv') });
    expect(result.remaining).toBe(names.length - result.report.duplicatesToRemove.length);
    expect(JSON.parse(await readFile(result.reportFile, 'utf8'))).toMatchObject({ samples: names.length });
    expect(result.tags?.map((t) => t.name)).toContain('h-duplicates-removed');
    await expect(healthOfFiles(io, { embeddingsCsv: csv, options: { keeper: 'tallest' }, optionsName: 'Options' })).rejects.toThrow(/Options/);
  });
});
