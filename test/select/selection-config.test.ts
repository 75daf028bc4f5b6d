import { describe, expect, it } from 'vitest';
import { InvalidConfigError } from '../../src/errors';
import { DEFAULT_STRATEGY, STRATEGY_DESCRIPTIONS, STRATEGY_SHORTHANDS, parseSelectionConfig } from '../../src/select';

const fails = (value: unknown) => {
  try {
    parseSelectionConfig(value, 'sel.json');
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidConfigError);
    return (error as Error).message;
  }
  throw new Error('expected the config to be rejected');
};

describe('parseSelectionConfig', () => {
  it('expands the CLI shorthands', () => {
    expect(parseSelectionConfig({ n: 5, strategy: 'coreset', seed: 3 })).toEqual({
      n: 5,
      seed: 3,
      strategies: [{ input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY' } }],
    });
    expect(parseSelectionConfig({ n: 5, strategy: 'coral', key: 'uncertainty' }).strategies.map((s) => s.strategy.type)).toEqual(['DIVERSITY', 'WEIGHTS']);
  });

  it('accepts a Lightly-shaped strategy list', () => {
    const config = parseSelectionConfig({
      proportionSamples: 0.1,
      strategies: [
        { input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY', stoppingConditionMinimumDistance: 0.2 } },
        { input: { type: 'METADATA', key: 'lightly.sharpness' }, strategy: { type: 'THRESHOLD', threshold: 20, operation: 'BIGGER' } },
        { input: { type: 'METADATA', key: 'weather.scenario' }, strategy: { type: 'BALANCE', target: { sunny: 0.5 }, strength: 2 } },
      ],
    });
    expect(config.strategies).toHaveLength(3);
  });

  it('names the bad field', () => {
    expect(fails({ n: 5, strategies: [{ input: { type: 'EMBEDDINGS' }, strategy: { type: 'CLUSTER' } }] })).toBe(
      'sel.json: strategies[0].strategy.type: unknown strategy "CLUSTER" (expected one of DIVERSITY, TYPICALITY, COVERAGE, WEIGHTS, THRESHOLD, BALANCE, SIMILARITY, RANDOM)',
    );
    expect(fails({ n: 5, strategy: 'kmeans' })).toMatch(/^sel\.json: strategy: unknown strategy "kmeans"/);
    expect(fails({ n: 0, strategy: 'coreset' })).toMatch(/^sel\.json: n: Expected integer to be greater or equal to 1 \(got 0\)/);
    expect(fails({ n: 2.5, strategy: 'coreset' })).toMatch(/^sel\.json: n: Expected integer/);
    expect(fails({ n: 5, strategy: 'coreset', nSamples: 3 })).toBe('sel.json: unknown field "nSamples"');
    expect(fails({ n: 5, strategies: [{ input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY', strenght: 2 } }] })).toBe(
      'sel.json: unknown field "strategies[0].strategy.strenght"',
    );
    expect(fails({ strategy: 'coreset' })).toMatch(/n, proportionSamples or minDistance/);
    expect(fails({ n: 1, strategies: [{ input: { type: 'METADATA' }, strategy: { type: 'WEIGHTS' } }] })).toMatch(/strategies\[0\]\.input\.key: METADATA input needs a key/);
    expect(fails({ n: 1, strategies: [{ input: { type: 'METADATA', key: 'a' }, strategy: { type: 'DIVERSITY' } }] })).toMatch(
      /strategy DIVERSITY cannot use input METADATA/,
    );
    expect(fails({ n: 1, strategies: [{ input: { type: 'METADATA', key: 'a' }, strategy: { type: 'THRESHOLD', threshold: 1 } }] })).toMatch(
      /needs both threshold and operation/,
    );
    expect(fails({ n: 1, strategies: [{ input: { type: 'METADATA', key: 'a' }, strategy: { type: 'BALANCE', target: { a: 0.7, b: 0.6 } } }] })).toMatch(
      /add up to 1\.29.*more than 1/,
    );
    expect(fails({ minDistance: 0.3, strategy: 'random' })).toMatch(/minDistance needs a DIVERSITY strategy/);
    expect(fails({ n: 1, strategy: 'weights' })).toMatch(/needs a metadata key/);
    expect(fails([1, 2])).toMatch(/must be a JSON object/);
  });

  it('checks TYPICALITY and COVERAGE fields, naming the field', () => {
    const one = (strategy: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
      fails({ n: 5, strategies: [{ input: { type: 'EMBEDDINGS' }, strategy }], ...extra });
    expect(one({ type: 'COVERAGE', strength: 0 })).toBe('sel.json: strategies[0].strategy.strength: COVERAGE needs a positive strength (got 0)');
    expect(one({ type: 'COVERAGE', kernelWidth: 0 })).toMatch(/^sel\.json: strategies\[0\]\.strategy\.kernelWidth: Expected number to be greater than 0/);
    expect(one({ type: 'COVERAGE', kernelWidth: 3 })).toMatch(/^sel\.json: strategies\[0\]\.strategy\.kernelWidth: Expected number to be less or equal to 2 \(got 3\)/);
    expect(one({ type: 'TYPICALITY', neighbours: 0 })).toMatch(/^sel\.json: strategies\[0\]\.strategy\.neighbours: Expected integer to be greater or equal to 1/);
    expect(one({ type: 'TYPICALITY', neighbours: 5000 })).toMatch(/strategies\[0\]\.strategy\.neighbours: Expected integer to be less or equal to 1000/);
    expect(one({ type: 'DIVERSITY', kernelWidth: 0.2 })).toBe('sel.json: strategies[0].strategy.kernelWidth: only COVERAGE has a kernelWidth');
    expect(one({ type: 'COVERAGE', handOverCoverage: 0.5 })).toMatch(/strategies\[0\]\.strategy\.handOverCoverage: hands over to DIVERSITY, which the config lacks/);
    expect(one({ type: 'COVERAGE', handOverCoverage: 1.5 })).toMatch(/strategies\[0\]\.strategy\.handOverCoverage: Expected number to be less or equal to 1/);
    expect(fails({ n: 5, strategies: [{ input: { type: 'METADATA', key: 'a' }, strategy: { type: 'TYPICALITY' } }] })).toMatch(
      /strategy TYPICALITY cannot use input METADATA \(use EMBEDDINGS\)/,
    );
    expect(
      fails({
        n: 5,
        strategies: [
          { input: { type: 'EMBEDDINGS' }, strategy: { type: 'COVERAGE' } },
          { input: { type: 'METADATA', key: 'a' }, strategy: { type: 'BALANCE', distribution: 'UNIFORM' } },
        ],
      }),
    ).toBe('sel.json: strategies[0].strategy.type: COVERAGE cannot be combined with BALANCE');
    expect(fails({ n: 5, strategy: 'typicalty' })).toMatch(/^sel\.json: strategy: unknown strategy "typicalty" \(expected one of coverage-diversity, coverage, typicality, coreset/);
  });

  it('expands the default and the new shorthands', () => {
    expect(parseSelectionConfig({ n: 5, strategy: DEFAULT_STRATEGY }).strategies.map((s) => s.strategy.type)).toEqual(['COVERAGE', 'DIVERSITY']);
    expect(parseSelectionConfig({ n: 5, strategy: 'typicality' }).strategies).toEqual([{ input: { type: 'EMBEDDINGS' }, strategy: { type: 'TYPICALITY' } }]);
    expect(parseSelectionConfig({ n: 5, strategy: 'coverage' }).strategies).toEqual([{ input: { type: 'EMBEDDINGS' }, strategy: { type: 'COVERAGE' } }]);
    for (const name of STRATEGY_SHORTHANDS) expect(STRATEGY_DESCRIPTIONS[name]).toBeTruthy();
  });
});
