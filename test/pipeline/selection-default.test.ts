import { describe, expect, it } from 'vitest';
import { parsePipelineConfig } from '../../src/pipeline/config';
import { DEFAULT_STRATEGY, parseSelectionConfig } from '../../src/select';

const minimal = { dataset: 'cats', source: { bucket: 'raw', prefix: 'cats/' }, select: 10, tag: { name: 'nightly-{date}' }, platform: { home: '.winnow' } };

/** The Temporal pipeline's config (workflows/curation-pipeline.ts checks `selection` with n = 1, as below). */
describe('pipeline config: selection strategies', () => {
  it('selects with the default strategy when the config names none', () => {
    const config = parsePipelineConfig(minimal);
    expect(config.selection).toEqual({ strategy: DEFAULT_STRATEGY });
    expect(parseSelectionConfig({ ...config.selection, n: 1 }).strategies.map((s) => s.strategy.type)).toEqual(['COVERAGE', 'DIVERSITY']);
  });

  it('takes typicality, coverage and TYPICALITY/COVERAGE strategy lists', () => {
    for (const selection of [
      { strategy: 'typicality' },
      { strategy: 'coverage' },
      { strategies: [{ input: { type: 'EMBEDDINGS' }, strategy: { type: 'COVERAGE', kernelWidth: 0.4 } }, { input: { type: 'EMBEDDINGS' }, strategy: { type: 'TYPICALITY', strength: 2 } }] },
    ]) {
      const config = parsePipelineConfig({ ...minimal, selection });
      expect(() => parseSelectionConfig({ ...config.selection, n: 1 }, 'pipeline config "selection"')).not.toThrow();
    }
    const bad = parsePipelineConfig({ ...minimal, selection: { strategy: 'typicalty' } });
    expect(() => parseSelectionConfig({ ...bad.selection, n: 1 }, 'pipeline config "selection"')).toThrow(/pipeline config "selection": strategy: unknown strategy "typicalty"/);
  });
});
