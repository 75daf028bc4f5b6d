import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { NodeOperationError } from 'n8n-workflow';
import { beforeAll, describe, expect, it } from 'vitest';
import { WinnowSelect } from '../../../nodes/WinnowSelect/WinnowSelect.node';
import { selectFromFiles } from '../../../src/select';
import { executeNode } from '../fake-context';
import { embeddedImages, usePlatformFixture } from '../platform-fixture';

// The new strategy names through the n8n Select node: the node's options (the default, coverage, typicality) and a
// custom config with TYPICALITY/COVERAGE pick what the engine picks; bad values fail naming the field.

const node = new WinnowSelect().nodeVersions[1];

describe('Winnow Select: typicality, coverage and the default', () => {
  const platform = usePlatformFixture();
  let csv: string;

  beforeAll(async () => {
    ({ csv } = await embeddedImages(platform.work, 'strategies', 12));
  });

  const base = { embeddingsCsv: '', numberOfSamples: 4, datapool: 'none', options: { seed: 1 } };
  const selectWith = async (name: string, parameters: Record<string, unknown>) => {
    const selectionFile = path.join(platform.work, `${name}.txt`);
    const [item] = await executeNode(node, { parameters: { ...base, embeddingsCsv: csv, selectionFile, ...parameters } });
    return { item, picked: (await readFile(selectionFile, 'utf8')).trim().split('\n') };
  };

  it('offers the default (preselected), coverage and typicality, and each picks what the engine picks', async () => {
    const strategy = node.description.properties.find((p) => p.name === 'strategy')!;
    expect(strategy.default).toBe('coverage-diversity');
    expect(strategy.options!.map((o) => ('value' in o ? o.value : undefined))).toEqual(expect.arrayContaining(['coverage-diversity', 'coverage', 'typicality']));
    for (const name of ['coverage-diversity', 'coverage', 'typicality']) {
      const { item, picked } = await selectWith(name, { strategy: name });
      expect(item.json).toMatchObject({ selected: 4, candidates: 12 });
      const engine = await selectFromFiles({ embeddingsPath: csv, config: { strategy: name, n: 4, seed: 1 } });
      expect(picked, name).toEqual(engine.selected);
    }
  });

  it('runs a custom config with COVERAGE and TYPICALITY', async () => {
    const config = {
      n: 3,
      strategies: [
        { input: { type: 'EMBEDDINGS' }, strategy: { type: 'COVERAGE', kernelWidth: 0.4 } },
        { input: { type: 'EMBEDDINGS' }, strategy: { type: 'TYPICALITY', strength: 2, neighbours: 5 } },
      ],
    };
    const { item, picked } = await selectWith('custom', { strategy: 'custom', selectionConfig: JSON.stringify(config) });
    expect(item.json).toMatchObject({ selected: 3 });
    expect(picked).toEqual((await selectFromFiles({ embeddingsPath: csv, config: { ...config, seed: 1 } })).selected);
  });

  it('fails naming the field for a width out of range, a bad strength and more picks than images', async () => {
    const fails = async (parameters: Record<string, unknown>) => {
      const error = await selectWith('bad', parameters).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NodeOperationError);
      return (error as Error).message;
    };
    const custom = (strategy: Record<string, unknown>) => ({
      strategy: 'custom',
      selectionConfig: JSON.stringify({ n: 3, strategies: [{ input: { type: 'EMBEDDINGS' }, strategy }] }),
    });
    expect(await fails(custom({ type: 'COVERAGE', kernelWidth: 3 }))).toMatch(/strategies\[0\]\.strategy\.kernelWidth/);
    expect(await fails(custom({ type: 'COVERAGE', strength: -1 }))).toMatch(/strategies\[0\]\.strategy\.strength: COVERAGE needs a positive strength/);
    expect(await fails(custom({ type: 'TYPICALITY', neighbours: 5000 }))).toMatch(/strategies\[0\]\.strategy\.neighbours/);
    expect(await fails({ strategy: 'typicality', numberOfSamples: 13 })).toMatch(/n: asked for 13 samples but only 12 candidates/);
  });
});
