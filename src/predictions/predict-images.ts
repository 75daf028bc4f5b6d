import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { DEFAULT_PIXEL_LIMIT } from '../embed/decode-image';
import { classifyImages } from '../embed/classify-images';
import { DEFAULT_BATCH_SIZE, runModelPass } from '../embed/embed-images';
import { loadEmbeddingModel } from '../embed/embedding-model';
import { scanInputDir } from '../embed/image-files';
import { ModelConfig } from '../embed/model-config';
import { InvalidConfigError, InvalidInputError } from '../errors';
import type { ProgressCallback } from '../progress';
import { checkDetectorConfig, DetectorConfig, loadDetector, runDetector } from './detect-images';
import { PREDICTIONS_DIR, type PredictionCategory, type PredictionTask, type TaskType } from './format';
import { checkAgainst, checkTaskName, finishTask, readJsonFile, writeImagePredictions } from './prediction-files';

/**
 * A user's classifier: the model's input preprocessing (the embed step's model config) plus how to read its output.
 * `decode: "softmax"` turns logits into probabilities; `"probabilities"` takes them as they are (renormalised).
 *
 * Example (a JSON file for `winnow predict --model my.onnx --model-config my-classifier.json`):
 * `{ "taskType": "classification", "categories": ["cat", "dog"], "decode": "softmax",
 *    "model": { "size": 224, "layout": "NCHW", "scale": 0.00392, "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225] } }`
 */
export const PredictorConfig = Type.Object(
  {
    taskType: Type.Literal('classification'),
    /** Category names in the order of the model's outputs. */
    categories: Type.Array(Type.String({ minLength: 1 }), { minItems: 2 }),
    decode: Type.Union([Type.Literal('softmax'), Type.Literal('probabilities')]),
    /** The input preprocessing and output tensor, as for `winnow embed --model-config` (pooling `none` is implied). */
    model: ModelConfig,
  },
  { additionalProperties: false },
);
export type PredictorConfig = Static<typeof PredictorConfig>;

export interface PredictImagesOptions {
  /** Folder of images (the datasource root). */
  inputDir: string;
  /** Where `.lightly/predictions` is written (default: `inputDir`, as Lightly keeps it next to the images). */
  outDir?: string;
  /** The task's name (its folder under `.lightly/predictions`). */
  task: string;
  /** A built-in model with a classifier head (default efficientnet-lite0, ImageNet-1k) or a path to an .onnx classifier or detector. */
  model?: string;
  /** Required for an .onnx file: a {@link PredictorConfig} (classifier) or {@link DetectorConfig} object, or a JSON file path. */
  predictorConfig?: PredictorConfig | DetectorConfig | string;
  files?: string[];
  batchSize?: number;
  onProgress?: ProgressCallback;
  onWarning?: (message: string) => void;
  signal?: AbortSignal;
}

export interface PredictImagesResult {
  task: PredictionTask['name'];
  taskType: TaskType;
  modelId: string;
  categories: number;
  /** Images with a prediction file written. */
  predicted: number;
  /** Object detection: boxes written over all images. */
  objects?: number;
  skipped: Array<{ file: string; reason: string }>;
  /** `<outDir>/.lightly/predictions`. */
  predictionsDir: string;
  seconds: number;
}

/**
 * Runs a classifier or a detector over a folder of images and writes Lightly-format predictions: `tasks.json` (the
 * task added to the list already there), `<task>/schema.json` and one `<task>/<image path>.json` per image, written
 * as each image finishes (memory stays bounded). A classifier writes the full probability vector; a detector
 * (config `taskType: "object-detection"`) its boxes after score threshold and class-wise NMS, as `bbox` [x, y, w, h]
 * in the original image's pixels. Bad images are skipped with a reason.
 *
 * Example: `await predictImages({ inputDir: 'photos', task: 'imagenet' })` →
 * `{ task: 'imagenet', taskType: 'classification', modelId: 'efficientnet-lite0@…', categories: 1000, predicted: 120, skipped: [], predictionsDir: 'photos/.lightly/predictions', seconds: 9.1 }`;
 * `await predictImages({ inputDir: 'photos', task: 'det', model: 'det.onnx', predictorConfig: 'det.json' })` →
 * `{ task: 'det', taskType: 'object-detection', modelId: 'det.onnx', categories: 2, predicted: 120, objects: 311, … }`.
 */
export async function predictImages(options: PredictImagesOptions): Promise<PredictImagesResult> {
  const started = Date.now();
  checkTaskName(options.task);
  const inputDir = path.resolve(options.inputDir);
  const predictionsDir = path.join(path.resolve(options.outDir ?? inputDir), PREDICTIONS_DIR);
  const taskDir = path.join(predictionsDir, options.task);
  let written = 0;
  const writeClassification = async (file: string, probabilities: ArrayLike<number>) => {
    const p = Array.from(probabilities, (x) => Math.round(x * 1e6) / 1e6);
    // Rounding keeps files small; the largest entry absorbs the rounding error so the vector still sums to 1.
    let best = 0;
    for (let k = 1; k < p.length; k++) if (p[k] > p[best]) best = k;
    p[best] = Math.round((p[best] + 1 - p.reduce((a, b) => a + b, 0)) * 1e6) / 1e6;
    await writeImagePredictions(taskDir, file, [{ category_id: best, probabilities: p }]);
    written++;
  };

  let categories: PredictionCategory[];
  let modelId: string;
  let skipped: PredictImagesResult['skipped'];
  let taskType: TaskType = 'classification';
  let objects: number | undefined;
  if (options.predictorConfig === undefined) {
    if (options.model !== undefined && options.model.endsWith('.onnx')) {
      throw new InvalidConfigError(`model ${options.model} needs a predictor config (categories, output decoding, input preprocessing); pass --model-config`);
    }
    await mkdir(taskDir, { recursive: true });
    const result = await classifyImages({
      inputDir,
      files: options.files,
      model: options.model,
      topK: 1,
      batchSize: options.batchSize,
      onProbabilities: (file, probabilities) => writeClassification(file, probabilities),
      onProgress: options.onProgress,
      onWarning: options.onWarning,
      signal: options.signal,
    });
    categories = result.classes.map((name, id) => ({ id, name }));
    modelId = result.modelId;
    skipped = result.skipped;
  } else {
    const config = await readPredictorConfig(options.predictorConfig);
    if (options.model === undefined) throw new InvalidConfigError('a predictor config needs the .onnx model it describes (--model)');
    categories = config.categories.map((name, id) => ({ id, name }));
    if (config.taskType === 'object-detection') {
      taskType = 'object-detection';
      const configFile = typeof options.predictorConfig === 'string' ? options.predictorConfig : 'predictor config';
      const detector = await loadDetector(options.model, config, configFile, { onWarning: options.onWarning });
      try {
        await mkdir(taskDir, { recursive: true });
        objects = 0;
        const result = await runDetector(detector, {
          inputDir,
          files: options.files,
          signal: options.signal,
          onProgress: options.onProgress,
          async onPredictions(file, predictions) {
            await writeImagePredictions(taskDir, file, predictions);
            objects! += predictions.length;
            written++;
          },
        });
        skipped = result.skipped;
      } finally {
        await detector.close();
      }
      modelId = detector.id;
    } else {
      const model = await loadEmbeddingModel({ model: options.model, modelConfig: { ...config.model, pooling: 'none', normalize: false }, onWarning: options.onWarning });
      try {
        if (model.dim !== config.categories.length) {
          throw new InvalidConfigError(`the model gives ${model.dim} outputs per image but the predictor config names ${config.categories.length} categories`);
        }
        await mkdir(taskDir, { recursive: true });
        const files = options.files ?? (await scanInputDir(inputDir)).images;
        skipped = [];
        await runModelPass({
          model,
          todo: files.map((file) => ({ file })),
          inputDir,
          batchSize: options.batchSize ?? DEFAULT_BATCH_SIZE,
          limitInputPixels: DEFAULT_PIXEL_LIMIT,
          skipped,
          async onVectors(batch, vectors) {
            for (let i = 0; i < batch.length; i++) await writeClassification(batch[i], decodeClassifier(vectors[i], config.decode));
          },
          onProgress: options.onProgress,
          signal: options.signal,
        });
      } finally {
        await model.close();
      }
      modelId = model.id;
    }
  }
  await finishTask(predictionsDir, options.task, taskType, categories);
  const result: PredictImagesResult = {
    task: options.task,
    taskType,
    modelId,
    categories: categories.length,
    predicted: written,
    skipped,
    predictionsDir,
    seconds: (Date.now() - started) / 1000,
  };
  if (objects !== undefined) result.objects = objects;
  return result;
}

/**
 * One output vector → probabilities. `softmax` is computed stably (max subtracted); `probabilities` are clipped at 0
 * and renormalised, so a model whose outputs sum to 1 ± float error still writes a valid file.
 *
 * Example: `decodeClassifier(Float32Array.of(2, 0), 'softmax')` → `[0.8808, 0.1192]`.
 */
export function decodeClassifier(output: ArrayLike<number>, decode: PredictorConfig['decode']): number[] {
  const values = Array.from(output);
  if (values.some((v) => !Number.isFinite(v))) throw new InvalidInputError({ file: 'model output' }, 'the model returned NaN or infinite values');
  if (decode === 'softmax') {
    const max = Math.max(...values);
    const exp = values.map((v) => Math.exp(v - max));
    const sum = exp.reduce((a, b) => a + b, 0);
    return exp.map((e) => e / sum);
  }
  const clipped = values.map((v) => Math.max(0, v));
  const sum = clipped.reduce((a, b) => a + b, 0);
  if (sum === 0) throw new InvalidInputError({ file: 'model output' }, 'the model returned all-zero probabilities');
  return clipped.map((v) => v / sum);
}

/**
 * A predictor config object or JSON file: a classifier ({@link PredictorConfig}) or, with `taskType:
 * "object-detection"`, a detector ({@link DetectorConfig}). Errors name the file and the field.
 */
export async function readPredictorConfig(config: PredictorConfig | DetectorConfig | string): Promise<PredictorConfig | DetectorConfig> {
  const file = typeof config === 'string' ? config : 'predictor config';
  const value = typeof config === 'string' ? await readJsonFile(config, 'predictor config file') : config;
  const taskType = (value as { taskType?: unknown } | null)?.taskType;
  if (taskType === 'object-detection') return checkDetectorConfig(value, file);
  if (taskType !== 'classification') {
    throw new InvalidInputError(
      { file, column: 'taskType' },
      `taskType must be "classification" or "object-detection" (${taskType === undefined ? 'missing' : `got ${JSON.stringify(taskType)}`})`,
    );
  }
  checkAgainst(value, PredictorConfig, file);
  return value as PredictorConfig;
}
