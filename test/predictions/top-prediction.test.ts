import { describe, expect, it } from 'vitest';
import { topPrediction, type PredictionSchema } from '../../src/predictions';

describe('topPrediction (what Explore filters and counts by)', () => {
  it('takes the class by id, so duplicate names (ImageNet has two "crane"s) keep their probability', () => {
    const schema: PredictionSchema = { task_type: 'classification', categories: [{ id: 0, name: 'crane' }, { id: 1, name: 'crane' }, { id: 2, name: 'heron' }] };
    expect(topPrediction({ file_name: 'a.jpg', predictions: [{ category_id: 1, probabilities: [0.1, 0.7, 0.2] }] }, schema)).toEqual({ category: 'crane', confidence: 0.7 });
  });

  it('detection: the most frequent object class at its most confident box; nothing for an image without objects', () => {
    const schema: PredictionSchema = { task_type: 'object-detection', categories: [{ id: 0, name: 'cat' }, { id: 1, name: 'dog' }] };
    const boxes = [
      { category_id: 0, bbox: [0, 0, 1, 1] as [number, number, number, number], score: 0.4 },
      { category_id: 1, bbox: [0, 0, 1, 1] as [number, number, number, number], score: 0.95 },
      { category_id: 0, bbox: [0, 0, 1, 1] as [number, number, number, number], score: 0.9 },
    ];
    expect(topPrediction({ file_name: 'a.jpg', predictions: boxes }, schema)).toEqual({ category: 'cat', confidence: 0.9 });
    expect(topPrediction({ file_name: 'b.jpg', predictions: [] }, schema)).toBeUndefined();
  });
});
