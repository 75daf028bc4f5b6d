import { mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { createEmbeddingsWriter } from '../embeddings';
import { writeModelRecord } from '../embeddings/model-record';
import { DEFAULT_PIXEL_LIMIT } from '../embed/decode-image';
import { DEFAULT_BATCH_SIZE, runModelPass } from '../embed/embed-images';
import { loadEmbeddingModel } from '../embed/embedding-model';
import type { ModelConfig } from '../embed/model-config';
import { InvalidConfigError } from '../errors';
import type { ProgressCallback } from '../progress';
import { objectRowName } from '../select/object-diversity';
import { checkTaskName } from './prediction-files';
import { localDatasource, readPredictions, type PredictionProblem } from './read-predictions';

/** Where a datasource keeps the object-crop embeddings of each detection task: `<root>/.lightly/object-embeddings/<task>.csv`. */
export const OBJECT_EMBEDDINGS_DIR = '.lightly/object-embeddings';

/**
 * Example: `objectEmbeddingsPath('/data/imgs', 'det')` → `'/data/imgs/.lightly/object-embeddings/det.csv'`.
 */
export function objectEmbeddingsPath(datasourceDir: string, task: string): string {
  checkTaskName(task);
  return path.join(path.resolve(datasourceDir), OBJECT_EMBEDDINGS_DIR, `${task}.csv`);
}

export interface EmbedObjectsOptions {
  /** The datasource folder: images, with `.lightly/predictions/<task>` holding their detections. */
  inputDir: string;
  /** An object-detection task of the datasource. */
  task: string;
  /** Where `.lightly/predictions` is, when not in `inputDir` (`winnow predict --out`, a pipeline's run folder). */
  predictionsDir?: string;
  /** Default: {@link objectEmbeddingsPath}. */
  outCsv?: string;
  /** The image model (default efficientnet-lite0, as `winnow embed`), or an .onnx file with `modelConfig`. */
  model?: string;
  modelConfig?: ModelConfig | string;
  /** Boxes narrower or lower than this many pixels are not embedded (default 2). */
  minObjectSize?: number;
  batchSize?: number;
  onProgress?: ProgressCallback;
  onWarning?: (message: string) => void;
  signal?: AbortSignal;
}

export interface EmbedObjectsResult {
  csvPath: string;
  task: string;
  /** Images with at least one embedded object. */
  images: number;
  /** Objects embedded (rows written). */
  objects: number;
  /** Crops that could not be embedded (unreadable image, box too small), each with the reason. */
  skipped: Array<{ file: string; reason: string }>;
  /** Prediction files that failed validation (each names the file and field); their objects are not embedded. */
  problems: PredictionProblem[];
  dim: number;
  modelId: string;
  seconds: number;
}

/**
 * Embeds every detected object of a task: each box is cut from the (EXIF-oriented) image with sharp and run
 * through the same model runner and preprocessing as whole images. Rows are named `<image>#<prediction index>`
 * (see `objectRowName`) with the category id as label, in a Lightly embeddings CSV written through a temporary
 * file (a failed run leaves the previous one in place). Prediction files with boxes outside their image are
 * reported in `problems` and skipped; the rest of the run goes on.
 *
 * Example: `await embedObjects({ inputDir: 'photos', task: 'det' })` →
 * `{ csvPath: 'photos/.lightly/object-embeddings/det.csv', task: 'det', images: 40, objects: 95, skipped: [], problems: [], dim: 1280, modelId: 'efficientnet-lite0@…', seconds: 7.2 }`.
 */
export async function embedObjects(options: EmbedObjectsOptions): Promise<EmbedObjectsResult> {
  const started = Date.now();
  const inputDir = path.resolve(options.inputDir);
  const csvPath = options.outCsv ?? objectEmbeddingsPath(inputDir, options.task);
  const imageSource = localDatasource(inputDir);
  // Predictions may live apart from the images; boxes are always checked against (and cut from) the images.
  const source = options.predictionsDir === undefined ? imageSource : { ...localDatasource(options.predictionsDir), imageSize: imageSource.imageSize };
  const { tasks, problems } = await readPredictions(source, { tasks: [options.task], signal: options.signal });
  if (tasks.length === 0) {
    throw new InvalidConfigError(`task ${JSON.stringify(options.task)} could not be read: ${problems.map((p) => p.message).join('; ')}`);
  }
  const [{ task, images }] = tasks;
  if (task.task_type !== 'object-detection') {
    throw new InvalidConfigError(`task ${JSON.stringify(task.name)} is ${task.task_type}; object embeddings need an object-detection task`);
  }
  const minSize = options.minObjectSize ?? 2;
  const skipped: EmbedObjectsResult['skipped'] = [];
  const todo: Array<{ file: string; image: string; region: { left: number; top: number; width: number; height: number } }> = [];
  const labels = new Map<string, number>();
  const imageOf = new Map<string, string>();
  for (const image of images) {
    if (image.predictions.length === 0) continue;
    // Boxes were checked against the image's size when read; the size clips the rounded-out crop to the last pixel.
    const size = await source.imageSize!(image.file_name);
    image.predictions.forEach((p, i) => {
      const name = objectRowName(image.file_name, i);
      const [x, y, w, h] = p.bbox!;
      if (w < minSize || h < minSize) {
        skipped.push({ file: name, reason: `box ${w.toFixed(1)}×${h.toFixed(1)} px is under the ${minSize}-pixel minimum` });
        return;
      }
      if (size === undefined) {
        skipped.push({ file: name, reason: `image ${image.file_name} could not be read` });
        return;
      }
      const left = Math.max(0, Math.floor(x));
      const top = Math.max(0, Math.floor(y));
      const right = Math.min(size.width, Math.ceil(x + w));
      const bottom = Math.min(size.height, Math.ceil(y + h));
      todo.push({ file: name, image: image.file_name, region: { left, top, width: right - left, height: bottom - top } });
      labels.set(name, p.category_id);
      imageOf.set(name, image.file_name);
    });
  }

  const model = await loadEmbeddingModel({ model: options.model, modelConfig: options.modelConfig, onWarning: options.onWarning });
  const partial = `${csvPath}.partial`;
  try {
    await mkdir(path.dirname(csvPath), { recursive: true });
    const writer = await createEmbeddingsWriter(partial, { dim: model.dim, append: false });
    const embeddedImages = new Set<string>();
    try {
      await runModelPass({
        model,
        todo,
        inputDir,
        batchSize: options.batchSize ?? DEFAULT_BATCH_SIZE,
        limitInputPixels: DEFAULT_PIXEL_LIMIT,
        skipped,
        async onVectors(names, vectors) {
          for (let i = 0; i < names.length; i++) {
            await writer.write(names[i], vectors[i], labels.get(names[i]) ?? 0);
            embeddedImages.add(imageOf.get(names[i])!);
          }
        },
        onProgress: options.onProgress,
        signal: options.signal,
      });
    } finally {
      await writer.close();
    }
    await rename(partial, csvPath);
    await writeModelRecord(csvPath, { model: model.id, dim: model.dim });
    return {
      csvPath,
      task: task.name,
      images: embeddedImages.size,
      objects: writer.rowsWritten,
      skipped,
      problems,
      dim: model.dim,
      modelId: model.id,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    await model.close();
  }
}
