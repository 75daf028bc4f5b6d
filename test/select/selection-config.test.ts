import { describe, expect, it } from 'vitest';
import { InvalidConfigError } from '../../src/errors';
import { parseSelectionConfig } from '../../src/select';

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
      'sel.json: strategies[0].strategy.type: unknown strategy "CLUSTER" (expected one of DIVERSITY, WEIGHTS, THRESHOLD, BALANCE, SIMILARITY, RANDOM)',
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
});
