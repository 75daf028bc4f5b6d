import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classificationUncertainty, computeScores, type PredictionTask } from '../../src/predictions';

const det: PredictionTask = { name: 'det', task_type: 'object-detection', categories: [{ id: 0, name: 'car' }, { id: 1, name: 'person' }] };
const box = (category_id: number, score: number, probabilities?: number[]) => ({ category_id, bbox: [0, 0, 10, 10] as [number, number, number, number], score, probabilities });

describe('classification uncertainty (Lightly ScorerClassification, normalized to [0, 1])', () => {
  it('is 0 for a one-hot prediction and 1 for a uniform one', () => {
    expect(classificationUncertainty([1, 0, 0])).toEqual({ uncertainty_least_confidence: 0, uncertainty_margin: 0, uncertainty_entropy: 0 });
    const u = classificationUncertainty([1 / 3, 1 / 3, 1 / 3]);
    expect(u.uncertainty_least_confidence).toBeCloseTo(1, 12);
    expect(u.uncertainty_margin).toBeCloseTo(1, 12);
    expect(u.uncertainty_entropy).toBeCloseTo(1, 12);
  });

  it('matches hand-computed values', () => {
    // 3 classes [0.6, 0.3, 0.1]: LC = (1 − 0.6)/(1 − 1/3) = 0.6; margin = 1 − (0.6 − 0.3) = 0.7; entropy = H/log2(3).
    const u = classificationUncertainty([0.6, 0.3, 0.1]);
    const h = -(0.6 * Math.log2(0.6) + 0.3 * Math.log2(0.3) + 0.1 * Math.log2(0.1));
    expect(u.uncertainty_least_confidence).toBeCloseTo(0.6, 12);
    expect(u.uncertainty_margin).toBeCloseTo(0.7, 12);
    expect(u.uncertainty_entropy).toBeCloseTo(h / Math.log2(3), 12);
  });

  it('reads one probability as a binary classifier', () => {
    const binary = classificationUncertainty([0.9]);
    for (const [name, value] of Object.entries(classificationUncertainty([0.9, 0.1]))) expect(binary[name as keyof typeof binary]).toBeCloseTo(value, 12);
  });

  it('stays in [0, 1] and ranks a flatter distribution at least as uncertain (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0.001, max: 1, noNaN: true }), { minLength: 2, maxLength: 8 }), (raw) => {
        const sum = raw.reduce((a, b) => a + b, 0);
        const p = raw.map((x) => x / sum);
        const u = classificationUncertainty(p);
        for (const v of Object.values(u)) {
          expect(v).toBeGreaterThanOrEqual(0);
          expect(v).toBeLessThanOrEqual(1);
        }
        // Mixing with the uniform distribution never lowers the entropy score.
        const flatter = p.map((x) => (x + 1 / p.length) / 2);
        expect(classificationUncertainty(flatter).uncertainty_entropy).toBeGreaterThanOrEqual(u.uncertainty_entropy - 1e-9);
      }),
    );
  });
});

describe('object detection scores (Lightly ScorerObjectDetection)', () => {
  it('object_frequency counts repeats of a class at 0.25 and scales into [0.9, 1]', () => {
    const scores = computeScores(det, [
      { file_name: 'none.jpg', predictions: [] }, // 0
      { file_name: 'two-cars.jpg', predictions: [box(0, 0.9), box(0, 0.9)] }, // 1 + 0.25
      { file_name: 'car-person.jpg', predictions: [box(0, 0.9), box(1, 0.9)] }, // 2
    ]);
    expect(scores.get('none.jpg')!.object_frequency).toBeCloseTo(0.9, 12);
    expect(scores.get('two-cars.jpg')!.object_frequency).toBeCloseTo(0.9 + 0.1 * (1.25 / 2), 12);
    expect(scores.get('car-person.jpg')!.object_frequency).toBeCloseTo(1, 12);
  });

  it('objectness_least_confidence is 1 − mean score, 0 without boxes; no class probabilities → no uncertainty scores', () => {
    const scores = computeScores(det, [
      { file_name: 'a.jpg', predictions: [box(0, 0.9), box(1, 0.5)] },
      { file_name: 'b.jpg', predictions: [] },
    ]);
    expect(scores.get('a.jpg')!.objectness_least_confidence).toBeCloseTo(0.3, 12);
    expect(scores.get('b.jpg')!.objectness_least_confidence).toBe(0);
    expect(scores.get('a.jpg')!.uncertainty_entropy).toBeUndefined();
  });

  it('reduces per-box class uncertainty by the maximum, 0 for an image without boxes', () => {
    const scores = computeScores(det, [
      { file_name: 'a.jpg', predictions: [box(0, 0.9, [0.9, 0.1]), box(1, 0.8, [0.5, 0.5])] },
      { file_name: 'b.jpg', predictions: [] },
    ]);
    expect(scores.get('a.jpg')!.uncertainty_margin).toBeCloseTo(1, 12);
    expect(scores.get('b.jpg')!.uncertainty_margin).toBe(0);
  });

  it('gives every image object_frequency 1 when all have the same count', () => {
    const scores = computeScores(det, [{ file_name: 'a.jpg', predictions: [box(0, 1)] }, { file_name: 'b.jpg', predictions: [box(1, 1)] }]);
    expect([...scores.values()].map((s) => s.object_frequency)).toEqual([1, 1]);
  });
});
