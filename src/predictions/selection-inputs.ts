import { predictedCategory } from './format';
import type { LoadedTask } from './read-predictions';
import { computeScores } from './scores';

/** Per file name: the values a selection reads, keyed by task (the same shape as custom metadata). */
export type ValuesByFileName = Map<string, Record<string, unknown>>;

/** What a PREDICTIONS input reads per image and task. */
export interface PredictionValue {
  /** The image's predicted class (classification) or most frequent object class (detection), for BALANCE. */
  CLASS_DISTRIBUTION?: string;
  /** How many predictions (objects) the image has, for WEIGHTS and THRESHOLD. */
  CATEGORY_COUNT: number;
  /** Objects per category name, for CATEGORY_COUNT restricted to `categories`. */
  counts: Record<string, number>;
}

/**
 * The SCORES table of a selection: per file name `{ <task>: { <score>: value } }`, so an input
 * `{ type: 'SCORES', task: 'cls', score: 'uncertainty_entropy' }` reads `cls.uncertainty_entropy`.
 *
 * Example: → `Map { 'a.jpg' => { cls: { uncertainty_least_confidence: 0.2, uncertainty_margin: 0.2, uncertainty_entropy: 0.47 } } }`.
 */
export function scoresByFileName(tasks: readonly LoadedTask[]): ValuesByFileName {
  const out: ValuesByFileName = new Map();
  for (const { task, images } of tasks) {
    for (const [fileName, scores] of computeScores(task, images)) entry(out, fileName)[task.name] = scores;
  }
  return out;
}

/**
 * The PREDICTIONS table of a selection: per file name `{ <task>: PredictionValue }`.
 *
 * Example: → `Map { 'a.jpg' => { det: { CLASS_DISTRIBUTION: 'car', CATEGORY_COUNT: 3, counts: { car: 2, person: 1 } } } }`.
 */
export function predictionValues(tasks: readonly LoadedTask[]): ValuesByFileName {
  const out: ValuesByFileName = new Map();
  for (const { task, images } of tasks) {
    const nameOf = new Map(task.categories.map((c) => [c.id, c.name]));
    for (const image of images) {
      const counts: Record<string, number> = {};
      for (const p of image.predictions) {
        const name = nameOf.get(p.category_id) ?? String(p.category_id);
        counts[name] = (counts[name] ?? 0) + 1;
      }
      const value: PredictionValue = { CATEGORY_COUNT: image.predictions.length, counts };
      const predicted = predictedCategory(image, task);
      if (predicted !== undefined) value.CLASS_DISTRIBUTION = predicted;
      entry(out, image.file_name)[task.name] = value;
    }
  }
  return out;
}

function entry(map: ValuesByFileName, fileName: string): Record<string, unknown> {
  let e = map.get(fileName);
  if (e === undefined) map.set(fileName, (e = {}));
  return e;
}
