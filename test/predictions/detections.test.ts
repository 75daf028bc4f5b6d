import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeDetections,
  iou,
  letterboxPlacement,
  nonMaxSuppression,
  toCorners,
  toImagePixels,
  type Corners,
  type Detection,
} from '../../src/predictions/detections';
import { rawDetections, toSingleton, type DetectorConfig } from '../../src/predictions/detect-images';

describe('box formats and IoU', () => {
  it('turns each format into corners', () => {
    expect(toCorners([1, 2, 5, 8], 'xyxy')).toEqual([1, 2, 5, 8]);
    expect(toCorners([1, 2, 4, 6], 'xywh')).toEqual([1, 2, 5, 8]);
    expect(toCorners([3, 5, 4, 6], 'cxcywh')).toEqual([1, 2, 5, 8]);
    expect(toCorners([5, 8, 1, 2], 'xyxy')).toEqual([1, 2, 5, 8]);
  });

  it('computes IoU of known boxes', () => {
    expect(iou([0, 0, 2, 2], [1, 0, 3, 2])).toBeCloseTo(1 / 3, 12);
    expect(iou([0, 0, 2, 2], [0, 0, 2, 2])).toBe(1);
    expect(iou([0, 0, 1, 1], [1, 1, 2, 2])).toBe(0);
    expect(iou([0, 0, 4, 4], [1, 1, 3, 3])).toBeCloseTo(4 / 16, 12);
  });
});

describe('nonMaxSuppression', () => {
  const det = (box: Corners, score: number, classId = 0): Detection => ({ box, score, classId });

  it('keeps the best of overlapping boxes per class, never across classes', () => {
    const a = det([0, 0, 10, 10], 0.9);
    const b = det([1, 1, 10, 10], 0.8); // IoU with a = 0.81
    const c = det([1, 1, 10, 10], 0.7, 1); // same place, other class
    const d = det([20, 20, 30, 30], 0.6); // no overlap
    const e = det([5, 0, 15, 10], 0.5); // IoU with a = 1/3
    expect(nonMaxSuppression([b, c, a, d, e], 0.5, 100)).toEqual([a, c, d, e]);
    expect(nonMaxSuppression([b, c, a, d, e], 0.3, 100)).toEqual([a, c, d]);
    expect(nonMaxSuppression([b, c, a, d, e], 0.5, 2)).toEqual([a, c]);
  });

  const box = fc
    .tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }))
    .map(([x, y, w, h]): Corners => [x, y, x + w, y + h]);
  const detections = fc.array(
    fc.record({ box, score: fc.double({ min: 0, max: 1, noNaN: true }), classId: fc.integer({ min: 0, max: 2 }) }),
    { maxLength: 40 },
  );
  const threshold = fc.double({ min: 0, max: 1, noNaN: true });

  it('no two kept boxes of a class overlap above the IoU threshold', () => {
    fc.assert(
      fc.property(detections, threshold, (ds, t) => {
        const kept = nonMaxSuppression(ds, t, 1000);
        for (let i = 0; i < kept.length; i++) {
          for (let j = i + 1; j < kept.length; j++) if (kept[i].classId === kept[j].classId) expect(iou(kept[i].box, kept[j].box)).toBeLessThanOrEqual(t);
        }
      }),
    );
  });

  it('drops a box only for a kept box of its class that scores at least as high and overlaps above the threshold', () => {
    fc.assert(
      fc.property(detections, threshold, (ds, t) => {
        const kept = nonMaxSuppression(ds, t, 1000);
        const keptSet = new Set(kept);
        for (const d of ds) {
          if (keptSet.has(d)) continue;
          expect(kept.some((k) => k.classId === d.classId && k.score >= d.score && iou(k.box, d.box) > t)).toBe(true);
        }
      }),
    );
  });

  it('returns at most maxDetections, best first, and is idempotent', () => {
    fc.assert(
      fc.property(detections, threshold, fc.integer({ min: 1, max: 10 }), (ds, t, max) => {
        const kept = nonMaxSuppression(ds, t, max);
        expect(kept.length).toBeLessThanOrEqual(max);
        for (let i = 1; i < kept.length; i++) expect(kept[i - 1].score).toBeGreaterThanOrEqual(kept[i].score);
        expect(nonMaxSuppression(kept, t, max)).toEqual(kept);
      }),
    );
  });
});

describe('decodeDetections', () => {
  const options = { format: 'xyxy' as const, categories: 2, scoreThreshold: 0.5, file: 'det.onnx' };

  it('takes the best class of per-class scores and drops boxes under the threshold', () => {
    const out = decodeDetections({ boxes: [0, 0, 10, 10, 5, 5, 20, 20, 1, 1, 2, 2], scores: [0.9, 0.1, 0.2, 0.6, 0.3, 0.4] }, options);
    expect(out).toEqual([
      { box: [0, 0, 10, 10], score: 0.9, classId: 0, classScores: [0.9, 0.1] },
      { box: [5, 5, 20, 20], score: 0.6, classId: 1, classScores: [0.2, 0.6] },
    ]);
  });

  it('reads class indices, with an offset for a background class, and names bad outputs', () => {
    const raw = { boxes: [0, 0, 4, 4, 1, 1, 3, 3], scores: [0.8, 0.9], classes: [2, 1] };
    expect(decodeDetections(raw, { ...options, classOffset: 1 }).map((d) => d.classId)).toEqual([1, 0]);
    expect(() => decodeDetections(raw, options)).toThrow(/det\.onnx \(column "outputs\.classes"\): box 0 has class 2, outside the 2 categories/);
    expect(() => decodeDetections({ boxes: [0, 0, 4, 4], scores: [0.1, 0.2, 0.3] }, options)).toThrow(/column "outputs\.scores"/);
    expect(() => decodeDetections({ boxes: [0, 0, 4], scores: [1] }, options)).toThrow(/column "outputs\.boxes"/);
  });

  it('multiplies YOLO objectness into the class scores of a transposed combined tensor', () => {
    // [1, 4 + 1 + 2, K = 3]: row j holds value j of every box (YOLOv8's layout), box k in column k.
    const K = 3;
    const rows = [
      [16, 48, 8], // cx
      [16, 48, 8], // cy
      [8, 16, 4], // w
      [8, 16, 4], // h
      [0.9, 0.5, 0.1], // objectness
      [0.9, 0.1, 0.9], // class 0
      [0.1, 0.9, 0.1], // class 1
    ];
    const data = Float32Array.from(rows.flat());
    const config = { categories: ['a', 'b'], outputs: { combined: 'out', objectness: true } } as unknown as DetectorConfig;
    const raw = rawDetections({ out: { data, dims: [1, rows.length, K] } }, config, 'yolo.onnx');
    const out = decodeDetections(raw, { format: 'cxcywh', categories: 2, scoreThreshold: 0.3, file: 'yolo.onnx' });
    expect(out.map((d) => [d.box, d.classId, Math.round(d.score * 1000) / 1000])).toEqual([
      [[12, 12, 20, 20], 0, 0.81],
      [[40, 40, 56, 56], 1, 0.45],
    ]);
    const bad = () => rawDetections({ out: { data, dims: [1, 6, 3] } }, config, 'yolo.onnx');
    expect(bad).toThrow(/yolo\.onnx \(column "outputs\.combined"\): tensor out has shape \[1,6,3\]; expected \[1, K, 7\] or \[1, 7, K\]/);
  });
});

describe('back to image pixels', () => {
  it('undoes a stretch', () => {
    expect(toImagePixels([8, 8, 16, 32], { resize: 'fill', width: 64, height: 48, inputWidth: 32, inputHeight: 32 })).toEqual([16, 12, 32, 48]);
  });

  it('undoes a letterbox and clips to the image; a box wholly in the padding is gone', () => {
    const fit = { resize: 'letterbox' as const, width: 200, height: 100, inputWidth: 64, inputHeight: 64 };
    expect(letterboxPlacement(fit)).toEqual({ scale: 0.32, width: 64, height: 32, left: 0, top: 16 });
    expect(toImagePixels([0, 16, 32, 48], fit)).toEqual([0, 0, 100, 100]);
    expect(toImagePixels([0, 0, 32, 32], fit)).toEqual([0, 0, 100, 50]);
    expect(toImagePixels([0, 0, 64, 10], fit)).toBeUndefined();
  });

  it('writes Lightly singletons with [x, y, w, h], rounded inside the image, and renormalised probabilities', () => {
    const d: Detection = { box: [10.123, 20, 50.456, 80], score: 0.912345678, classId: 1, classScores: [0.2, 0.6] };
    expect(toSingleton(d, {})).toEqual({ category_id: 1, bbox: [10.12, 20, 40.34, 60], score: 0.912346 });
    expect(toSingleton(d, { probabilities: true }).probabilities).toEqual([0.25, 0.75]);
    expect(() => toSingleton({ ...d, score: 3.2 }, {})).toThrow(/score 3\.2, outside \[0, 1\]/);
  });
});
