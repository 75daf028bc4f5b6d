import type { LoadedTask } from '../predictions';
import type { PlatformClient } from './client/platform-client';
import type { PredictionsUploadResult } from './prediction-schemas';

/** Images per request: 2,000 ImageNet predictions (1,000 probabilities each) are ~20 MB of JSON, well inside the body limit. */
export const PREDICTION_UPLOAD_CHUNK = 2000;

/**
 * Uploads predictions read by `readPredictions` to a dataset in chunks (each chunk replaces those samples'
 * predictions, so a retried or repeated upload leaves the same state) and merges the answers.
 *
 * @example
 * await uploadPredictions(client, datasetId, (await readPredictions(localDatasource('photos'))).tasks)
 * // → { tasks: [{ name: 'imagenet', stored: 120, scores: ['uncertainty_least_confidence', …] }], problems: [] }
 */
export async function uploadPredictions(
  client: PlatformClient,
  datasetId: string,
  tasks: readonly LoadedTask[],
  options: { chunk?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<PredictionsUploadResult> {
  const chunk = options.chunk ?? PREDICTION_UPLOAD_CHUNK;
  const total = tasks.reduce((n, t) => n + t.images.length, 0);
  const merged = new Map<string, { name: string; stored: number; scores: string[] }>();
  const problems: PredictionsUploadResult['problems'] = [];
  let done = 0;
  for (const { task, images } of tasks) {
    // A task with no valid image still gets its schema stored, so it is listed.
    for (let start = 0; start === 0 || start < images.length; start += chunk) {
      const part = images.slice(start, start + chunk);
      const answer = await client.uploadPredictions(datasetId, {
        tasks: [{ name: task.name, task_type: task.task_type, categories: task.categories, images: part }],
      });
      for (const t of answer.tasks) {
        const entry = merged.get(t.name) ?? { name: t.name, stored: 0, scores: [] };
        entry.stored += t.stored;
        entry.scores = t.scores;
        merged.set(t.name, entry);
      }
      problems.push(...answer.problems);
      done += part.length;
      options.onProgress?.(done, total);
    }
  }
  return { tasks: [...merged.values()], problems };
}
