import { InvalidInputError } from '../errors';

/**
 * Decoding a detector's raw outputs into boxes: box formats, score threshold, class-wise non-maximum suppression
 * and the mapping from the model's input back to the original image. Pure functions over plain arrays, so each
 * step is tested on known boxes.
 */

/** How a detector writes one box: corners, top-left + size, or centre + size. */
export const BOX_FORMATS = ['xyxy', 'xywh', 'cxcywh'] as const;
export type BoxFormat = (typeof BOX_FORMATS)[number];

/** `[x1, y1, x2, y2]`, x1 ≤ x2 and y1 ≤ y2. */
export type Corners = [number, number, number, number];

export interface Detection {
  /** Corners, in the coordinate space of the step that produced it (model input, then original image pixels). */
  box: Corners;
  score: number;
  classId: number;
  /** Per-class scores of the box, when the model gives them. */
  classScores?: number[];
}

/**
 * One box in `format` → corners (swapped corners are put in order).
 *
 * Example: `toCorners([10, 20, 4, 6], 'cxcywh')` → `[8, 17, 12, 23]`.
 */
export function toCorners(box: ArrayLike<number>, format: BoxFormat): Corners {
  const [a, b, c, d] = [box[0], box[1], box[2], box[3]];
  let corners: Corners;
  if (format === 'xyxy') corners = [a, b, c, d];
  else if (format === 'xywh') corners = [a, b, a + c, b + d];
  else corners = [a - c / 2, b - d / 2, a + c / 2, b + d / 2];
  const [x1, y1, x2, y2] = corners;
  return [Math.min(x1, x2), Math.min(y1, y2), Math.max(x1, x2), Math.max(y1, y2)];
}

/**
 * Intersection over union of two corner boxes (0 when either has no area).
 *
 * Example: `iou([0, 0, 2, 2], [1, 0, 3, 2])` → `1 / 3`.
 */
export function iou(a: Corners, b: Corners): number {
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  const union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Class-wise greedy non-maximum suppression: within each class, boxes in descending score order are kept unless
 * they overlap a kept box by more than `iouThreshold`; then the `maxDetections` best of all classes, best first.
 * Ties keep the input order (the sort is stable), so the result is deterministic.
 *
 * Example: `nonMaxSuppression([{ box: [0, 0, 10, 10], score: 0.9, classId: 0 }, { box: [1, 1, 10, 10], score: 0.8, classId: 0 },
 * { box: [1, 1, 10, 10], score: 0.7, classId: 1 }], 0.5, 100)` → the 0.9 box of class 0 and the 0.7 box of class 1.
 */
export function nonMaxSuppression<T extends Detection>(detections: readonly T[], iouThreshold: number, maxDetections: number): T[] {
  const order = detections.map((d, i) => ({ d, i })).sort((p, q) => q.d.score - p.d.score || p.i - q.i);
  const keptByClass = new Map<number, Corners[]>();
  const kept: T[] = [];
  for (const { d } of order) {
    if (kept.length >= maxDetections) break;
    let same = keptByClass.get(d.classId);
    if (same === undefined) keptByClass.set(d.classId, (same = []));
    if (same.some((k) => iou(k, d.box) > iouThreshold)) continue;
    same.push(d.box);
    kept.push(d);
  }
  return kept;
}

/** A detector's outputs for one image, as flat arrays (see {@link DetectorOutputLayout}). */
export interface RawDetections {
  /** K boxes × 4 values. */
  boxes: ArrayLike<number>;
  /** K scores (one per box) or K × C class scores. */
  scores: ArrayLike<number>;
  /** K class indices, when `scores` has one score per box. */
  classes?: ArrayLike<number>;
  /** Only for YOLO-style outputs: K objectness values that multiply the class scores. */
  objectness?: ArrayLike<number>;
}

export interface DecodeDetectionsOptions {
  format: BoxFormat;
  /** Number of categories C. */
  categories: number;
  /** Boxes scoring below this are dropped before NMS. */
  scoreThreshold: number;
  /** Where the output's class indices start: 1 for models whose class 0 is "background" (e.g. SSD exports). */
  classOffset?: number;
  /** Where to report an output the config does not describe (the model file). */
  file: string;
}

/**
 * Raw outputs → detections above the score threshold, in output order. With K × C class scores the box's class is
 * its best-scoring one and its score that class's score; with K scores the class comes from `classes`. Class
 * indices outside [0, C) (after `classOffset`) are an error naming the model, as are NaN outputs.
 *
 * Example: `decodeDetections({ boxes: [0, 0, 10, 10, 5, 5, 20, 20], scores: [0.9, 0.1, 0.2, 0.6] }, { format: 'xyxy', categories: 2, scoreThreshold: 0.5, file: 'det.onnx' })`
 * → `[{ box: [0, 0, 10, 10], score: 0.9, classId: 0, classScores: [0.9, 0.1] }, { box: [5, 5, 20, 20], score: 0.6, classId: 1, classScores: [0.2, 0.6] }]`.
 */
export function decodeDetections(raw: RawDetections, options: DecodeDetectionsOptions): Detection[] {
  const { categories: C, scoreThreshold, format, file } = options;
  const offset = options.classOffset ?? 0;
  const K = raw.boxes.length / 4;
  if (!Number.isInteger(K)) throw new InvalidInputError({ file, column: 'outputs.boxes' }, `box output has ${raw.boxes.length} values, not 4 per box`);
  const perClass = raw.classes === undefined;
  const expectedScores = perClass ? K * (C + offset) : K;
  if (raw.scores.length !== expectedScores) {
    throw new InvalidInputError(
      { file, column: 'outputs.scores' },
      perClass
        ? `score output has ${raw.scores.length} values for ${K} boxes; expected ${C + offset} class scores per box (or give outputs.classes)`
        : `score output has ${raw.scores.length} values for ${K} boxes; expected one per box`,
    );
  }
  if (raw.classes !== undefined && raw.classes.length !== K) {
    throw new InvalidInputError({ file, column: 'outputs.classes' }, `class output has ${raw.classes.length} values for ${K} boxes`);
  }
  const out: Detection[] = [];
  for (let k = 0; k < K; k++) {
    const objectness = raw.objectness === undefined ? 1 : raw.objectness[k];
    let score: number;
    let classId: number;
    let classScores: number[] | undefined;
    if (perClass) {
      classScores = new Array<number>(C);
      classId = 0;
      for (let c = 0; c < C; c++) {
        classScores[c] = raw.scores[k * (C + offset) + offset + c] * objectness;
        if (classScores[c] > classScores[classId]) classId = c;
      }
      score = classScores[classId];
    } else {
      score = raw.scores[k] * objectness;
      classId = raw.classes![k] - offset;
    }
    if (!Number.isFinite(score)) throw new InvalidInputError({ file, column: 'outputs.scores' }, `box ${k} has score ${score}`);
    if (score < scoreThreshold) continue;
    if (!Number.isInteger(classId) || classId < 0 || classId >= C) {
      throw new InvalidInputError(
        { file, column: 'outputs.classes' },
        `box ${k} has class ${classId + offset}, outside the ${C} categories${offset ? ` (classOffset ${offset})` : ''}`,
      );
    }
    const box = toCorners(raw.boxes instanceof Float32Array ? raw.boxes.subarray(4 * k, 4 * k + 4) : Array.from({ length: 4 }, (_, j) => raw.boxes[4 * k + j]), format);
    if (box.some((v) => !Number.isFinite(v))) throw new InvalidInputError({ file, column: 'outputs.boxes' }, `box ${k} has a NaN or infinite coordinate`);
    out.push(classScores === undefined ? { box, score, classId } : { box, score, classId, classScores });
  }
  return out;
}

/** How the original image was fitted into the model's input: `fill` stretches, `letterbox` scales to fit and pads. */
export interface InputFit {
  resize: 'fill' | 'letterbox';
  /** The original (EXIF-oriented) image size. */
  width: number;
  height: number;
  /** The model's input size. */
  inputWidth: number;
  inputHeight: number;
}

/**
 * The letterbox placement sharp uses for `fit: 'contain'` with centred position: the scaled image's size and its
 * top-left offset inside the input.
 *
 * Example: `letterboxPlacement({ width: 200, height: 100, inputWidth: 64, inputHeight: 64 })` → `{ scale: 0.32, width: 64, height: 32, left: 0, top: 16 }`.
 */
export function letterboxPlacement(fit: Omit<InputFit, 'resize'>): { scale: number; width: number; height: number; left: number; top: number } {
  const scale = Math.min(fit.inputWidth / fit.width, fit.inputHeight / fit.height);
  const width = Math.min(fit.inputWidth, Math.max(1, Math.round(fit.width * scale)));
  const height = Math.min(fit.inputHeight, Math.max(1, Math.round(fit.height * scale)));
  return { scale, width, height, left: Math.floor((fit.inputWidth - width) / 2), top: Math.floor((fit.inputHeight - height) / 2) };
}

/**
 * A box in the model's input pixels → the original image's pixels, clipped to the image; undefined when nothing of
 * it is left inside the image (a box wholly in the letterbox padding).
 *
 * Example: `toImagePixels([0, 16, 32, 48], { resize: 'letterbox', width: 200, height: 100, inputWidth: 64, inputHeight: 64 })` → `[0, 0, 100, 100]`.
 */
export function toImagePixels(box: Corners, fit: InputFit): Corners | undefined {
  let sx: number;
  let sy: number;
  let left = 0;
  let top = 0;
  if (fit.resize === 'fill') {
    sx = fit.width / fit.inputWidth;
    sy = fit.height / fit.inputHeight;
  } else {
    const p = letterboxPlacement(fit);
    sx = fit.width / p.width;
    sy = fit.height / p.height;
    left = p.left;
    top = p.top;
  }
  const clip = (v: number, max: number) => Math.min(max, Math.max(0, v));
  const x1 = clip((box[0] - left) * sx, fit.width);
  const y1 = clip((box[1] - top) * sy, fit.height);
  const x2 = clip((box[2] - left) * sx, fit.width);
  const y2 = clip((box[3] - top) * sy, fit.height);
  return x2 - x1 > 0 && y2 - y1 > 0 ? [x1, y1, x2, y2] : undefined;
}
