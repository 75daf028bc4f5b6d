import { InvalidInputError } from '../errors';

/**
 * Lightly's datasource prediction format, as the Lightly worker reads it:
 *
 *   .lightly/predictions/tasks.json              ["my-classifier", "my-detector"]
 *   .lightly/predictions/<task>/schema.json      {"task_type": "classification" | "object-detection",
 *                                                 "categories": [{"id": 0, "name": "cat"}, …]}
 *   .lightly/predictions/<task>/<image path>.json {"file_name": "<image path>", "predictions": [
 *       {"category_id": 1, "probabilities": [0.1, 0.9]}                          (classification)
 *       {"category_id": 0, "bbox": [x, y, w, h], "score": 0.8, "probabilities"?} (object detection, pixels)
 *   ]}
 *
 * The image `subdir/a.png` has its predictions in `<task>/subdir/a.json`.
 */

export const PREDICTIONS_DIR = '.lightly/predictions';
export const TASK_TYPES = ['classification', 'object-detection'] as const;
export type TaskType = (typeof TASK_TYPES)[number];

export interface PredictionCategory {
  id: number;
  name: string;
}

export interface PredictionSchema {
  task_type: TaskType;
  categories: PredictionCategory[];
}

export interface PredictionTask extends PredictionSchema {
  /** The task's folder name under `.lightly/predictions`. */
  name: string;
}

/** One prediction: a whole-image class (classification) or one object (detection). */
export interface PredictionSingleton {
  category_id: number;
  /** Classification: one probability per category, in category order; detection: optional, per object. */
  probabilities?: number[];
  /** Detection: `[x, y, width, height]` in pixels, origin top left. */
  bbox?: [number, number, number, number];
  /** Detection: the detector's confidence in the object (0–1). */
  score?: number;
}

export interface ImagePredictions {
  file_name: string;
  predictions: PredictionSingleton[];
}

/** Probabilities must sum to 1 within this (float32 softmax output sums to 1 ± 1e-6; rounded JSON a bit more). */
export const PROBABILITY_SUM_TOLERANCE = 1e-3;

export interface ImageSize {
  width: number;
  height: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * The prediction file of an image in a task: `subdir/a.png` → `subdir/a.json`. Names that could leave the task's
 * folder (absolute, `..`, backslashes) are refused.
 *
 * Example: `predictionFileName('subdir/a.png')` → `'subdir/a.json'`.
 */
export function predictionFileName(imageFileName: string): string {
  checkRelativeName(imageFileName, 'file_name');
  const dot = imageFileName.lastIndexOf('.');
  const slash = imageFileName.lastIndexOf('/');
  return `${dot > slash + 1 ? imageFileName.slice(0, dot) : imageFileName}.json`;
}

/** Throws unless `name` is a plain relative path inside its folder (no `..`, no leading `/`, no backslash, no NUL). */
export function checkRelativeName(name: string, what: string): void {
  const parts = name.split('/');
  if (name === '' || name.startsWith('/') || /[\\\0]/.test(name) || parts.some((p) => p === '..' || p === '.' || p === '')) {
    throw new InvalidInputError({ file: what }, `${JSON.stringify(name)} is not a relative path inside the datasource`);
  }
}

/**
 * Validates `tasks.json`: a list of distinct task names, each usable as a folder name.
 *
 * Example: `parseTasks(['cls', 'det'], '.lightly/predictions/tasks.json')` → `['cls', 'det']`.
 */
export function parseTasks(value: unknown, file: string): string[] {
  if (!Array.isArray(value)) throw new InvalidInputError({ file }, 'tasks.json must be a JSON list of task names, e.g. ["my-classifier"]');
  const seen = new Set<string>();
  value.forEach((name, i) => {
    if (typeof name !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(name) || name === '.' || name === '..') {
      throw new InvalidInputError({ file, column: `[${i}]` }, `task name ${JSON.stringify(name)} must be letters, digits, "_", "-" or "."`);
    }
    if (seen.has(name)) throw new InvalidInputError({ file, column: `[${i}]` }, `task ${JSON.stringify(name)} is listed twice`);
    seen.add(name);
  });
  return [...seen];
}

/**
 * Validates a task's `schema.json`.
 *
 * Example: `parseSchema({ task_type: 'classification', categories: [{ id: 0, name: 'cat' }] }, 'cls/schema.json')`
 * → the same object, typed.
 */
export function parseSchema(value: unknown, file: string): PredictionSchema {
  if (!isObject(value)) throw new InvalidInputError({ file }, 'schema.json must be a JSON object {"task_type", "categories"}');
  const taskType = value.task_type;
  if (!(TASK_TYPES as readonly unknown[]).includes(taskType)) {
    throw new InvalidInputError(
      { file, column: 'task_type' },
      `task_type ${JSON.stringify(taskType)} is not supported (expected one of ${TASK_TYPES.join(', ')})`,
    );
  }
  const categories = value.categories;
  if (!Array.isArray(categories) || categories.length === 0) {
    throw new InvalidInputError({ file, column: 'categories' }, 'categories must be a non-empty list of {"id", "name"}');
  }
  const ids = new Set<number>();
  const out: PredictionCategory[] = categories.map((c: unknown, i) => {
    const field = `categories[${i}]`;
    if (!isObject(c) || !Number.isInteger(c.id) || (c.id as number) < 0 || typeof c.name !== 'string' || c.name === '') {
      throw new InvalidInputError({ file, column: field }, `each category needs an integer "id" ≥ 0 and a non-empty "name", got ${JSON.stringify(c)}`);
    }
    if (ids.has(c.id as number)) throw new InvalidInputError({ file, column: `${field}.id` }, `category id ${String(c.id)} is used twice`);
    ids.add(c.id as number);
    return { id: c.id as number, name: c.name };
  });
  return { task_type: taskType as TaskType, categories: out };
}

/**
 * Validates one image's prediction file against its task's schema. Errors name the file and the field:
 * `cls/a.json (column "predictions[0].probabilities"): probabilities sum to 0.7, not 1 (tolerance 0.001)`.
 * With `imageSize`, detection boxes must lie inside the image.
 */
export function parseImagePredictions(value: unknown, file: string, schema: PredictionSchema, imageSize?: ImageSize): ImagePredictions {
  if (!isObject(value)) throw new InvalidInputError({ file }, 'a prediction file must be a JSON object {"file_name", "predictions"}');
  const fileName = value.file_name;
  if (typeof fileName !== 'string' || fileName === '') throw new InvalidInputError({ file, column: 'file_name' }, 'file_name must be the image path');
  if (!Array.isArray(value.predictions)) throw new InvalidInputError({ file, column: 'predictions' }, 'predictions must be a list');
  const categoryIds = new Set(schema.categories.map((c) => c.id));
  const C = schema.categories.length;
  const detection = schema.task_type === 'object-detection';
  if (!detection && value.predictions.length > 1) {
    throw new InvalidInputError({ file, column: 'predictions' }, `a classification has one prediction per image, got ${value.predictions.length}`);
  }
  const predictions = value.predictions.map((p: unknown, i): PredictionSingleton => {
    const at = (f: string) => ({ file, column: `predictions[${i}]${f === '' ? '' : `.${f}`}` });
    if (!isObject(p)) throw new InvalidInputError(at(''), 'each prediction must be a JSON object');
    const known = new Set(['category_id', 'probabilities', 'bbox', 'score', 'segmentation', 'keypoints']);
    for (const k of Object.keys(p)) if (!known.has(k)) throw new InvalidInputError(at(k), `unknown field "${k}"`);
    if (!Number.isInteger(p.category_id)) throw new InvalidInputError(at('category_id'), `category_id must be an integer, got ${JSON.stringify(p.category_id)}`);
    const categoryId = p.category_id as number;
    if (!categoryIds.has(categoryId)) {
      throw new InvalidInputError(at('category_id'), `unknown category ${categoryId} (schema.json has ${[...categoryIds].join(', ')})`);
    }
    const out: PredictionSingleton = { category_id: categoryId };
    if (p.probabilities !== undefined) {
      const probs = p.probabilities;
      if (!Array.isArray(probs) || probs.length !== C) {
        throw new InvalidInputError(at('probabilities'), `probabilities must be a list of ${C} numbers (one per category), got ${describeList(probs)}`);
      }
      let sum = 0;
      probs.forEach((x, k) => {
        if (!isFiniteNumber(x) || x < 0 || x > 1) throw new InvalidInputError(at(`probabilities[${k}]`), `must be a number in [0, 1], got ${JSON.stringify(x)}`);
        sum += x;
      });
      if (Math.abs(sum - 1) > PROBABILITY_SUM_TOLERANCE) {
        throw new InvalidInputError(at('probabilities'), `probabilities sum to ${round(sum)}, not 1 (tolerance ${PROBABILITY_SUM_TOLERANCE})`);
      }
      out.probabilities = probs as number[];
    } else if (!detection) {
      throw new InvalidInputError(at('probabilities'), 'a classification prediction needs probabilities (one per category)');
    }
    if (detection) {
      const bbox = p.bbox;
      if (!Array.isArray(bbox) || bbox.length !== 4 || !bbox.every(isFiniteNumber)) {
        throw new InvalidInputError(at('bbox'), `bbox must be [x, y, width, height] in pixels, got ${JSON.stringify(bbox)}`);
      }
      const [x, y, w, h] = bbox as number[];
      if (x < 0 || y < 0 || w <= 0 || h <= 0) throw new InvalidInputError(at('bbox'), `bbox ${JSON.stringify(bbox)} needs x, y ≥ 0 and width, height > 0`);
      if (imageSize !== undefined && (x + w > imageSize.width + 0.5 || y + h > imageSize.height + 0.5)) {
        throw new InvalidInputError(
          at('bbox'),
          `bbox ${JSON.stringify(bbox)} reaches (${round(x + w)}, ${round(y + h)}), outside the ${imageSize.width}×${imageSize.height} image`,
        );
      }
      out.bbox = bbox as [number, number, number, number];
      if (!isFiniteNumber(p.score) || p.score < 0 || p.score > 1) {
        throw new InvalidInputError(at('score'), `a detection needs a score in [0, 1], got ${JSON.stringify(p.score)}`);
      }
      out.score = p.score;
    } else if (p.score !== undefined) {
      if (!isFiniteNumber(p.score) || p.score < 0 || p.score > 1) throw new InvalidInputError(at('score'), `score must be in [0, 1], got ${JSON.stringify(p.score)}`);
      out.score = p.score;
    }
    return out;
  });
  return { file_name: fileName, predictions };
}

function describeList(v: unknown): string {
  return Array.isArray(v) ? `a list of ${v.length}` : JSON.stringify(v);
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/** The predicted class of an image: the classification's category, or for detection the most frequent object category. */
export function predictedCategory(image: ImagePredictions, schema: PredictionSchema): string | undefined {
  const id = predictedCategoryId(image);
  return id === undefined ? undefined : schema.categories.find((c) => c.id === id)?.name;
}

/** The id behind {@link predictedCategory}: names need not be unique (ImageNet has two "crane"s), ids are. */
function predictedCategoryId(image: ImagePredictions): number | undefined {
  if (image.predictions.length === 0) return undefined;
  const counts = new Map<number, number>();
  for (const p of image.predictions) counts.set(p.category_id, (counts.get(p.category_id) ?? 0) + 1);
  let best = -1;
  let bestCount = 0;
  for (const [id, n] of counts) if (n > bestCount || (n === bestCount && id < best)) [best, bestCount] = [id, n];
  return best;
}

/**
 * A prediction's confidence: the detector's object score, else the probability of its own category (classification),
 * else 1 (a label without confidence).
 */
export function predictionConfidence(p: PredictionSingleton, schema: PredictionSchema): number {
  if (p.score !== undefined) return p.score;
  if (p.probabilities === undefined) return 1;
  return p.probabilities[schema.categories.findIndex((c) => c.id === p.category_id)] ?? 0;
}

/**
 * An image's predicted class (see {@link predictedCategory}) and the highest confidence among its predictions of that
 * class: what Explore filters and counts by. Undefined for an image without predictions.
 *
 * Example: a detection `[{ category_id: 0, score: 0.4 }, { category_id: 0, score: 0.9 }, { category_id: 1, score: 0.95 }]`
 * with categories cat/dog → `{ category: 'cat', confidence: 0.9 }`.
 */
export function topPrediction(image: ImagePredictions, schema: PredictionSchema): { category: string; confidence: number } | undefined {
  const id = predictedCategoryId(image);
  const category = id === undefined ? undefined : schema.categories.find((c) => c.id === id)?.name;
  if (category === undefined) return undefined;
  let confidence = 0;
  for (const p of image.predictions) if (p.category_id === id) confidence = Math.max(confidence, predictionConfidence(p, schema));
  return { category, confidence };
}
