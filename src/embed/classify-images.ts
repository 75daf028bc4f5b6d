import { stat } from 'node:fs/promises';
import path from 'node:path';
import { InvalidConfigError } from '../errors';
import type { ProgressCallback } from '../progress';
import { DEFAULT_PIXEL_LIMIT } from './decode-image';
import { DEFAULT_BATCH_SIZE, runModelPass } from './embed-images';
import { loadEmbeddingModel } from './embedding-model';
import { compareNames, isImageName, normaliseSubset, scanInputDir } from './image-files';
import type { OrtBackend } from './runner/model-runner';

export interface ClassifyImagesOptions {
  inputDir: string;
  /** Only these files (relative to `inputDir`); by default every image under it. */
  files?: string[];
  /** A built-in model with a classifier head; default efficientnet-lite0 (ImageNet-1k). */
  model?: string;
  /** Classes kept per image, most probable first (default 5). */
  topK?: number;
  batchSize?: number;
  backend?: 'auto' | OrtBackend;
  executionProvider?: 'cpu' | 'cuda';
  threads?: number;
  limitInputPixels?: number;
  /**
   * Every image's full probability vector (one per class of `classes`, summing to 1) as it is computed, for callers
   * that keep them all (e.g. prediction scores); the vector is the caller's to keep. Results hold only the top K, so
   * memory stays bounded however many images there are.
   */
  onProbabilities?: (file: string, probabilities: Float32Array) => void | Promise<void>;
  onProgress?: ProgressCallback;
  onWarning?: (message: string) => void;
  signal?: AbortSignal;
}

export interface ImageClasses {
  file: string;
  /** Most probable first. */
  top: Array<{ index: number; name: string; probability: number }>;
}

export interface ClassifyResult {
  modelId: string;
  /** The classifier's class names in index order (ImageNet-1k: 1000). */
  classes: readonly string[];
  /** In file-name order. */
  images: ImageClasses[];
  skipped: Array<{ file: string; reason: string }>;
  seconds: number;
}

/**
 * Runs the default model's ImageNet-1k classifier head (the same ONNX file that gives the embeddings) over a folder of
 * images: the top-K classes of each image, and optionally every probability through `onProbabilities`. Bad files are
 * skipped with a reason, as in `embedImages`.
 *
 * @example
 * await classifyImages({ inputDir: 'test/fixtures/model-parity', topK: 2 });
 * // { modelId: 'efficientnet-lite0@…', classes: ['tench, Tinca tinca', …],
 * //   images: [{ file: 'sklearn-flower.png', top: [{ index: 985, name: 'daisy', probability: 0.93 }, …] }, …], skipped: [], seconds: 1.2 }
 */
export async function classifyImages(options: ClassifyImagesOptions): Promise<ClassifyResult> {
  const started = Date.now();
  const topK = options.topK ?? 5;
  if (!Number.isInteger(topK) || topK < 1) throw new InvalidConfigError(`topK must be a positive integer, got ${topK}`);
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const inputDir = path.resolve(options.inputDir);
  if (!(await stat(inputDir).catch(() => undefined))?.isDirectory()) throw new InvalidConfigError(`input folder ${options.inputDir} not found`);

  const skipped: ClassifyResult['skipped'] = [];
  let files: string[];
  if (options.files) {
    files = [];
    for (const file of new Set(normaliseSubset(inputDir, options.files))) {
      if (isImageName(file)) files.push(file);
      else skipped.push({ file, reason: 'unsupported file type' });
    }
  } else {
    const scan = await scanInputDir(inputDir);
    files = scan.images;
    for (const file of scan.unsupported) skipped.push({ file, reason: 'unsupported file type' });
  }

  const model = await loadEmbeddingModel({
    model: options.model,
    output: 'classes',
    backend: options.backend,
    executionProvider: options.executionProvider,
    threads: options.threads,
    onWarning: options.onWarning,
  });
  try {
    const classes = model.classes ?? [];
    const images: ImageClasses[] = [];
    await runModelPass({
      model,
      todo: files.map((file) => ({ file })),
      inputDir,
      batchSize,
      limitInputPixels: options.limitInputPixels ?? DEFAULT_PIXEL_LIMIT,
      skipped,
      async onVectors(batch, vectors) {
        for (let i = 0; i < batch.length; i++) {
          images.push({ file: batch[i], top: topClasses(vectors[i], classes, topK) });
          await options.onProbabilities?.(batch[i], vectors[i]);
        }
      },
      onProgress: options.onProgress,
      signal: options.signal,
    });
    images.sort((a, b) => compareNames(a.file, b.file));
    skipped.sort((a, b) => compareNames(a.file, b.file));
    return { modelId: model.id, classes, images, skipped, seconds: (Date.now() - started) / 1000 };
  } finally {
    await model.close();
  }
}

/** The `k` largest probabilities, largest first (ties by index). */
export function topClasses(probabilities: Float32Array, classes: readonly string[], k: number): ImageClasses['top'] {
  const order = Array.from(probabilities.keys()).sort((a, b) => probabilities[b] - probabilities[a] || a - b);
  return order.slice(0, k).map((index) => ({ index, name: classes[index] ?? String(index), probability: probabilities[index] }));
}
