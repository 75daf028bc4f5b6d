import type { ImagePredictions, PredictionTask } from './format';

/**
 * Active-learning scores from predictions, with the names and definitions of Lightly's scorers
 * (`lightly.active_learning.scorers`): every score is in [0, 1] and higher means more worth labeling.
 */

export const CLASSIFICATION_SCORES = ['uncertainty_least_confidence', 'uncertainty_margin', 'uncertainty_entropy'] as const;
export const DETECTION_SCORES = ['object_frequency', 'objectness_least_confidence', ...CLASSIFICATION_SCORES] as const;
export type ScoreName = (typeof DETECTION_SCORES)[number];

/** Lightly's ScorerObjectDetection defaults: repeats of a class count 0.25 each; scores are scaled into [0.9, 1]. */
export const OBJECT_FREQUENCY_DEFAULTS = { frequencyPenalty: 0.25, minScore: 0.9 };

/**
 * The three classification uncertainties of one probability vector, each rescaled (as Lightly's
 * `normalize_to_0_1`) so a one-hot prediction scores 0 and a uniform one scores 1. A single probability is read as
 * a binary classifier's p(first class).
 *
 * Example: `classificationUncertainty([0.5, 0.5])` → `{ uncertainty_least_confidence: 1, uncertainty_margin: 1, uncertainty_entropy: 1 }`;
 * `classificationUncertainty([0.9, 0.1])` → `{ uncertainty_least_confidence: 0.2, uncertainty_margin: 0.2, uncertainty_entropy: 0.469 }`.
 */
export function classificationUncertainty(probabilities: readonly number[]): Record<(typeof CLASSIFICATION_SCORES)[number], number> {
  const p = probabilities.length === 1 ? [probabilities[0], 1 - probabilities[0]] : probabilities;
  const C = p.length;
  let top1 = -Infinity;
  let top2 = -Infinity;
  let entropy = 0;
  for (const x of p) {
    if (x > top1) [top1, top2] = [x, top1];
    else if (x > top2) top2 = x;
    if (x > 0) entropy -= x * Math.log2(x);
  }
  if (C < 2) return { uncertainty_least_confidence: 0, uncertainty_margin: 0, uncertainty_entropy: 0 };
  return {
    // Raw scores interpolated between their one-hot and uniform values, clipped to [0, 1] as np.interp does.
    uncertainty_least_confidence: clip01((1 - top1) / (1 - 1 / C)),
    uncertainty_margin: clip01(1 - (top1 - top2)),
    uncertainty_entropy: clip01(entropy / Math.log2(C)),
  };
}

/**
 * Scores of every image of a task, by file name.
 *
 * Classification: the three uncertainties of the image's probabilities.
 * Object detection (Lightly's ScorerObjectDetection):
 * - `object_frequency`: objects counted with each repeat of a class worth `frequencyPenalty`, then min–max scaled over
 *   the task's images into [`minScore`, 1] (all 1 when every image has the same count);
 * - `objectness_least_confidence`: 1 − the mean detection score (0 without boxes);
 * - the three uncertainties of each box's class probabilities, reduced per image by the maximum (0 without boxes).
 *   Detectors that give no class probabilities (only a score) get the first two scores only.
 *
 * Example: `computeScores(task, [{ file_name: 'a.jpg', predictions: [{ category_id: 0, probabilities: [0.5, 0.5] }] }])`
 * → `Map { 'a.jpg' => { uncertainty_least_confidence: 1, uncertainty_margin: 1, uncertainty_entropy: 1 } }`.
 */
export function computeScores(
  task: PredictionTask,
  images: readonly ImagePredictions[],
  options: Partial<typeof OBJECT_FREQUENCY_DEFAULTS> = {},
): Map<string, Partial<Record<ScoreName, number>>> {
  const out = new Map<string, Partial<Record<ScoreName, number>>>();
  if (task.task_type === 'classification') {
    for (const image of images) {
      const probs = image.predictions[0]?.probabilities;
      out.set(image.file_name, probs === undefined ? {} : classificationUncertainty(probs));
    }
    return out;
  }
  const { frequencyPenalty, minScore } = { ...OBJECT_FREQUENCY_DEFAULTS, ...options };
  const counts = images.map((image) => {
    const perClass = new Map<number, number>();
    for (const p of image.predictions) perClass.set(p.category_id, perClass.has(p.category_id) ? perClass.get(p.category_id)! + frequencyPenalty : 1);
    let total = 0;
    for (const v of perClass.values()) total += v;
    return total;
  });
  let min = Infinity;
  let max = -Infinity;
  for (const c of counts) [min, max] = [Math.min(min, c), Math.max(max, c)];
  const hasClassProbabilities = images.some((image) => image.predictions.some((p) => p.probabilities !== undefined));
  images.forEach((image, i) => {
    const scores: Partial<Record<ScoreName, number>> = {};
    // np.interp over a zero-width range returns the upper value.
    scores.object_frequency = max > min ? minScore + ((1 - minScore) * (counts[i] - min)) / (max - min) : 1;
    const boxes = image.predictions;
    scores.objectness_least_confidence = boxes.length === 0 ? 0 : 1 - boxes.reduce((s, p) => s + (p.score ?? 0), 0) / boxes.length;
    if (hasClassProbabilities) {
      for (const name of CLASSIFICATION_SCORES) scores[name] = 0;
      for (const p of boxes) {
        if (p.probabilities === undefined) continue;
        const u = classificationUncertainty(p.probabilities);
        for (const name of CLASSIFICATION_SCORES) scores[name] = Math.max(scores[name]!, u[name]);
      }
    }
    out.set(image.file_name, scores);
  });
  return out;
}

function clip01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}
