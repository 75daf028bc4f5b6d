import { describe, expect, it } from 'vitest';
import type { EmbeddingMatrix } from '../../src/embeddings/matrix';
import { InvalidConfigError, InvalidInputError } from '../../src/errors';
import { parseSelectionConfig, selectSamples, type SelectionConfigInput } from '../../src/select';

function matrix(rows: number[][], names?: string[]): EmbeddingMatrix {
  return { fileNames: names ?? rows.map((_, i) => `s${i}.jpg`), labels: new Int32Array(rows.length), dim: rows[0].length, data: Float32Array.from(rows.flat()) };
}

/** Ten samples on a circle with metadata: weather scenario, temperature, a score. */
const names = Array.from({ length: 10 }, (_, i) => `img${i}.jpg`);
const embeddings = matrix(
  names.map((_, i) => [Math.cos(i * 0.6), Math.sin(i * 0.6)]),
  names,
);
const scenarios = ['sunny', 'sunny', 'sunny', 'sunny', 'sunny', 'sunny', 'rainy', 'rainy', 'cloudy', 'cloudy'];
const metadata = new Map<string, Record<string, unknown>>(
  names.map((name, i) => [name, { weather: { scenario: scenarios[i], temperature: 10 + i }, sharpness: i % 3, night: i >= 8 }]),
);
const run = (config: SelectionConfigInput, extra: Partial<Parameters<typeof selectSamples>[0]> = {}) =>
  selectSamples({ embeddings, metadata, config: parseSelectionConfig(config), ...extra });

describe('WEIGHTS', () => {
  it('prefers high values, with min–max scaled factors in the reason', async () => {
    const result = await run({ n: 3, strategies: [{ input: { type: 'METADATA', key: 'weather.temperature' }, strategy: { type: 'WEIGHTS' } }] });
    expect(result.selected).toEqual(['img9.jpg', 'img8.jpg', 'img7.jpg']);
    expect(result.ranking[0].reason.strategies['WEIGHTS:weather.temperature']).toBeCloseTo(1, 6);
    expect(result.ranking).toHaveLength(10);
    expect(result.ranking.at(-1)!.fileName).toBe('img0.jpg');
    expect(result.coveringRadius).toBeUndefined();
  });

  it('prefers low values with a negative strength', async () => {
    const result = await run({ n: 2, strategies: [{ input: { type: 'METADATA', key: 'weather.temperature' }, strategy: { type: 'WEIGHTS', strength: -1 } }] });
    expect(result.selected).toEqual(['img0.jpg', 'img1.jpg']);
  });

  it('reads SCORES from the scores table by task and name', async () => {
    const scores = new Map(names.map((name, i) => [name, { detection: { uncertainty_entropy: i === 4 ? 0.99 : 0.1 } }]));
    const result = await run(
      { n: 1, strategies: [{ input: { type: 'SCORES', task: 'detection', key: 'uncertainty_entropy' }, strategy: { type: 'WEIGHTS' } }] },
      { scores },
    );
    expect(result.selected).toEqual(['img4.jpg']);
  });
});

describe('THRESHOLD', () => {
  it('keeps only samples that pass, before anything else (range, operation, equals, in)', async () => {
    const cases: Array<[Record<string, unknown>, string[]]> = [
      [{ threshold: 15, operation: 'BIGGER_EQUAL' }, ['img5.jpg', 'img6.jpg', 'img7.jpg', 'img8.jpg', 'img9.jpg']],
      [{ threshold: 12, operation: 'SMALLER' }, ['img0.jpg', 'img1.jpg']],
      [{ range: { min: 13, max: 14 } }, ['img3.jpg', 'img4.jpg']],
    ];
    for (const [condition, expected] of cases) {
      const result = await run({
        proportionSamples: 1,
        strategies: [
          { input: { type: 'METADATA', key: 'weather.temperature' }, strategy: { type: 'THRESHOLD', ...condition } },
          { input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY' } },
        ],
      });
      expect(result.ranking.map((r) => r.fileName).sort()).toEqual(expected);
      expect(result.stats.excludedByThresholds).toBe(10 - expected.length);
    }
    const equals = await run({ proportionSamples: 1, strategies: [{ input: { type: 'METADATA', key: 'weather.scenario' }, strategy: { type: 'THRESHOLD', equals: 'rainy' } }] });
    expect(equals.selected.sort()).toEqual(['img6.jpg', 'img7.jpg']);
    const within = await run({ proportionSamples: 1, strategies: [{ input: { type: 'METADATA', key: 'weather.scenario' }, strategy: { type: 'THRESHOLD', in: ['rainy', 'cloudy'] } }] });
    expect(within.selected.sort()).toEqual(['img6.jpg', 'img7.jpg', 'img8.jpg', 'img9.jpg']);
  });

  it('says when n is more than the candidates left', async () => {
    await expect(
      run({ n: 3, strategies: [{ input: { type: 'METADATA', key: 'weather.scenario' }, strategy: { type: 'THRESHOLD', equals: 'rainy' } }] }),
    ).rejects.toThrow(/asked for 3 samples but only 2 candidates/);
  });
});

describe('BALANCE', () => {
  it('matches target proportions over a categorical key', async () => {
    // 20 samples: 14 sunny, 4 rainy, 2 cloudy; target 50/30/20 of 10 → 5/3/2.
    const many = Array.from({ length: 20 }, (_, i) => `m${i}.jpg`);
    const scen = (i: number) => (i < 14 ? 'sunny' : i < 18 ? 'rainy' : 'cloudy');
    const meta = new Map(many.map((n, i) => [n, { weather: { scenario: scen(i) } }]));
    const result = await selectSamples({
      embeddings: matrix(many.map((_, i) => [Math.cos(i), Math.sin(i), 0.5]), many),
      metadata: meta,
      config: parseSelectionConfig({
        n: 10,
        strategies: [{ input: { type: 'METADATA', key: 'weather.scenario' }, strategy: { type: 'BALANCE', target: { sunny: 0.5, rainy: 0.3, cloudy: 0.2 } } }],
      }),
    });
    const counts = count(result.selected.map((f) => scen(Number(f.slice(1, -4)))));
    expect(counts).toEqual({ sunny: 5, rainy: 3, cloudy: 2 });
    // Every prefix stays close to the target too: the first 5 hold 2–3 sunny.
    const first5 = count(result.ranking.slice(0, 5).map((r) => scen(r.index)));
    expect(first5.sunny).toBeGreaterThanOrEqual(2);
    expect(first5.sunny).toBeLessThanOrEqual(3);
  });

  it('UNIFORM spreads evenly, and combines with DIVERSITY', async () => {
    const result = await run({
      n: 6,
      strategies: [
        { input: { type: 'EMBEDDINGS' }, strategy: { type: 'DIVERSITY' } },
        { input: { type: 'METADATA', key: 'weather.scenario' }, strategy: { type: 'BALANCE', distribution: 'UNIFORM', strength: 5 } },
      ],
    });
    expect(count(result.selected.map((f) => scenarios[Number(f.slice(3, -4))]))).toEqual({ sunny: 2, rainy: 2, cloudy: 2 });
    expect(result.ranking[1].reason.strategies).toHaveProperty('BALANCE:weather.scenario');
    expect(result.ranking[1].reason.distance).toBeGreaterThan(0);
  });
});

describe('SIMILARITY', () => {
  it('prefers samples close to the query set', async () => {
    const result = await run({ n: 3, strategy: 'similarity', queryFileNames: ['img0.jpg'] });
    // img0 itself (similarity 1), then its neighbours on the circle img1 and img9 (0.6 rad vs 3.6 rad ≡ 2.68 away… img9 is at 5.4 rad ≡ −0.88).
    expect(result.selected).toEqual(['img0.jpg', 'img1.jpg', 'img9.jpg']);
    expect(result.ranking[0].reason.strategies.SIMILARITY).toBeCloseTo(1, 4);
  });
});

describe('RANDOM', () => {
  it('is a seeded permutation: same seed, same order; another seed, another order', async () => {
    const a = await run({ n: 10, strategy: 'random', seed: 1 });
    const b = await run({ n: 10, strategy: 'random', seed: 1 });
    const c = await run({ n: 10, strategy: 'random', seed: 2 });
    expect(b.selected).toEqual(a.selected);
    expect(c.selected).not.toEqual(a.selected);
    expect([...a.selected].sort()).toEqual([...names].sort());
  });
});

describe('validation', () => {
  it('names a missing metadata key and the keys that exist', async () => {
    await expect(run({ n: 2, strategy: 'weights', key: 'weather.temprature' })).rejects.toThrow(
      /strategies\[0\]\.input\.key: "weather\.temprature" is in no sample's metadata \(keys seen: weather\.scenario, weather\.temperature/,
    );
  });

  it('rejects METADATA inputs without metadata', async () => {
    await expect(selectSamples({ embeddings, config: parseSelectionConfig({ n: 2, strategy: 'weights', key: 'sharpness' }) })).rejects.toThrow(/needs metadata/);
  });

  it('rejects NaN rows with the CSV line, and a dimension mismatch', async () => {
    const bad = matrix([[1, 0], [NaN, 1], [0, 1]]);
    const error = await selectSamples({ embeddings: bad, source: 'e.csv', config: parseSelectionConfig({ n: 1, strategy: 'coreset' }) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toBe('e.csv:3: sample "s1.jpg": embedding has NaN or infinite values');
    const mismatch = { ...matrix([[1, 0], [0, 1]]), dim: 3 };
    await expect(selectSamples({ embeddings: mismatch, config: parseSelectionConfig({ n: 1, strategy: 'coreset' }) })).rejects.toThrow(/dimension mismatch/);
  });

  it('rejects preselected file names that have no embedding', async () => {
    await expect(run({ n: 1, strategy: 'coreset' }, { preselected: ['nope.jpg'] })).rejects.toThrow(InvalidConfigError);
  });
});

function count(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}
