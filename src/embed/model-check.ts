import { stat } from 'node:fs/promises';
import path from 'node:path';
import { readEmbeddingRows } from '../embeddings';
import { MODEL_MISMATCH, readModelRecord } from '../embeddings/model-record';
import { InvalidConfigError } from '../errors';
import { decodeImage, writePixels } from './decode-image';
import type { EmbeddingModel } from './embedding-model';

/**
 * Rows a model made agree with a fresh embedding of the same file to float rounding (the native and WASM runtimes
 * differ by about 1e-6); another model's rows are nowhere near (two 1280-d ImageNet models: cosine well below 0.9).
 */
const SAME_MODEL_COSINE = 0.999;

/**
 * Refuses to append `model`'s rows to an embeddings CSV made by another model. The CSV's model record says which
 * model made it; a CSV without one (older Winnow, or rebuilt from staged parts) is checked by embedding the file of
 * its first row again and comparing, so a CSV of the previous default is never silently extended with the new one.
 *
 * @example
 * await assertResumableWith('out.csv', model, 'data/', 1e8);
 * // throws: out.csv was made by nsfwjs-mobilenet_v2@3f2a…, this run embeds with efficientnet-lite0@1c0a…: …
 */
export async function assertResumableWith(csvPath: string, model: EmbeddingModel, inputDir: string, limitInputPixels: number): Promise<void> {
  const advice = `resume it with the same --model, or write a new file (--no-resume or another output)`;
  const record = await readModelRecord(csvPath);
  if (record) {
    if (record.model !== model.id) {
      throw new InvalidConfigError(`${csvPath} was made by ${record.model}, this run embeds with ${model.id}: ${advice}`, MODEL_MISMATCH);
    }
    return;
  }
  if (!(await stat(csvPath).catch(() => undefined))?.isFile()) return;
  let first: { fileName: string; embedding: ArrayLike<number> } | undefined;
  try {
    for await (const row of readEmbeddingRows(csvPath)) {
      first = row;
      break;
    }
  } catch {
    // An unreadable or torn file: the writer's own append checks report it with its line.
    return;
  }
  if (!first || first.embedding.length !== model.dim) return;
  const { config } = model;
  const outcome = await decodeImage(path.join(inputDir, ...first.fileName.split('/')), first.fileName, {
    width: config.width,
    height: config.height,
    resize: config.resize,
    enlarge: config.enlarge,
    limitInputPixels,
  });
  // The image is gone or unreadable: nothing to compare against (and nothing of it will be embedded now).
  if (!outcome.ok) return;
  const pixels = new Float32Array(model.inputSize);
  writePixels(outcome.rgb, pixels, 0, config);
  const [fresh] = await model.embedBatch(pixels, 1);
  const cosine = cosineSimilarity(first.embedding, fresh);
  if (cosine < SAME_MODEL_COSINE) {
    throw new InvalidConfigError(
      `${csvPath} has no model record and was made by another model than ${model.id} (its row for ${first.fileName} has cosine ${cosine.toFixed(3)} to ${model.id}'s embedding of that image): ${advice}`,
      MODEL_MISMATCH,
    );
  }
}

function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}
