import { stat } from 'node:fs/promises';
import path from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import sharp from 'sharp';
import { ALPHA_BACKGROUND, DEFAULT_PIXEL_LIMIT, explainDecodeError, writePixels } from '../embed/decode-image';
import { scanInputDir } from '../embed/image-files';
import { ModelConfig, resolveModelConfig, type ResolvedModelConfig } from '../embed/model-config';
import { mapOrdered } from '../embed/pipeline';
import { createModelRunner, type ModelRunner, type RunnerOutput, type RunnerOptions } from '../embed/runner/model-runner';
import { InvalidConfigError, InvalidInputError } from '../errors';
import { measureProgress, type ProgressCallback } from '../progress';
import {
  BOX_FORMATS,
  decodeDetections,
  nonMaxSuppression,
  toImagePixels,
  type Corners,
  type Detection,
  type InputFit,
  type RawDetections,
  letterboxPlacement,
} from './detections';
import type { PredictionSingleton } from './format';
import { checkAgainst } from './prediction-files';

const literals = <T extends readonly string[]>(values: T) => Type.Unsafe<T[number]>(Type.Union(values.map((v) => Type.Literal(v))));

/**
 * A user's ONNX detector: the input preprocessing (as for `winnow embed --model-config`) and how to decode its
 * outputs into boxes. Either separate tensors (`outputs.boxes` + `outputs.scores` [+ `outputs.classes`]) or one
 * YOLO-style tensor (`outputs.combined`: per box 4 coordinates, an objectness value when `objectness` is true, then
 * one score per category; either axis order).
 *
 * Example (SSD-style export with its own NMS-free head):
 * `{ "taskType": "object-detection", "categories": ["cat", "dog"], "model": { "size": 320, "layout": "NCHW", "scale": 0.00392 },
 *    "outputs": { "boxes": "boxes", "scores": "scores" }, "boxFormat": "xyxy", "boxCoordinates": "normalized",
 *    "scoreThreshold": 0.3, "iouThreshold": 0.5, "maxDetections": 50 }`
 */
export const DetectorConfig = Type.Object(
  {
    taskType: Type.Literal('object-detection'),
    /** Category names in the order of the model's class indices (after `classOffset`). */
    categories: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
    /** Input preprocessing; `size`, `layout`, `scale`, `mean`, `std`, `inputName` are read (output and pooling fields are not). */
    model: ModelConfig,
    /** `fill` stretches the image to the input size (default); `letterbox` scales it to fit and pads with grey (YOLO). */
    resize: Type.Optional(literals(['fill', 'letterbox'] as const)),
    outputs: Type.Object(
      {
        /** [1, K, 4] or [K, 4] box tensor. */
        boxes: Type.Optional(Type.String({ minLength: 1 })),
        /** [1, K] / [K] (one score per box, with `classes`) or [1, K, C] / [K, C] (a score per class). */
        scores: Type.Optional(Type.String({ minLength: 1 })),
        /** [1, K] / [K] class indices (float or integer). */
        classes: Type.Optional(Type.String({ minLength: 1 })),
        /** One YOLO-style tensor [1, K, 4 (+1) + C] or [1, 4 (+1) + C, K]. */
        combined: Type.Optional(Type.String({ minLength: 1 })),
        /** `combined` rows hold an objectness value after the box (YOLOv5); the class scores are multiplied by it. */
        objectness: Type.Optional(Type.Boolean()),
      },
      { additionalProperties: false },
    ),
    boxFormat: literals(BOX_FORMATS),
    /** `normalized`: coordinates in [0, 1] of the input; `pixels`: pixels of the model input. */
    boxCoordinates: literals(['normalized', 'pixels'] as const),
    /** Boxes scoring below this are dropped (default 0.25). */
    scoreThreshold: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    /** Class-wise NMS drops a box overlapping a better box of its class by more than this IoU (default 0.45). */
    iouThreshold: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    /** At most this many boxes per image, best first (default 100). */
    maxDetections: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })),
    /** Subtracted from the model's class indices (1 when index 0 is "background"). */
    classOffset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1 })),
    /** Also write each box's class scores, renormalised to sum to 1, as Lightly's `probabilities` (needs a score per class). */
    probabilities: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type DetectorConfig = Static<typeof DetectorConfig>;

export const DETECTOR_DEFAULTS = { scoreThreshold: 0.25, iouThreshold: 0.45, maxDetections: 100, resize: 'fill', classOffset: 0 } as const;

/**
 * Validates a detector config beyond its schema: the output tensors must be one of the two forms. Errors name the
 * file and the field.
 */
export function checkDetectorConfig(value: unknown, file: string): DetectorConfig {
  checkAgainst(value, DetectorConfig, file);
  const config = value as DetectorConfig;
  const { boxes, scores, classes, combined, objectness } = config.outputs;
  const at = (field: string) => ({ file, column: `outputs.${field}` });
  if (combined !== undefined) {
    for (const [name, v] of Object.entries({ boxes, scores, classes })) {
      if (v !== undefined) throw new InvalidInputError(at(name), 'give either outputs.combined or outputs.boxes + outputs.scores, not both');
    }
  } else {
    if (boxes === undefined) throw new InvalidInputError(at('boxes'), 'the box tensor\'s name is missing (or give outputs.combined for a YOLO-style output)');
    if (scores === undefined) throw new InvalidInputError(at('scores'), 'the score tensor\'s name is missing');
    if (objectness !== undefined) throw new InvalidInputError(at('objectness'), 'objectness applies to outputs.combined only');
  }
  if (config.probabilities === true && classes !== undefined) {
    throw new InvalidInputError({ file, column: 'probabilities' }, 'class probabilities need a score per class; with outputs.classes the model gives one score per box');
  }
  if (config.model.resize === 'center-crop') {
    throw new InvalidInputError({ file, column: 'model.resize' }, 'a detector must see the whole image: use resize "fill" or "letterbox" (top level), not center-crop');
  }
  return config;
}

/** A loaded detector: runs one image (batch of 1, as most detector exports fix) and returns its boxes in image pixels. */
export interface Detector {
  readonly id: string;
  readonly config: DetectorConfig;
  readonly input: ResolvedModelConfig & { inputName: string };
  detect(rgb: Uint8Array, fit: InputFit): Promise<Detection[]>;
  close(): Promise<void>;
}

/**
 * Opens an ONNX detector with its config; the output tensors the config names must exist.
 *
 * Example: `const detector = await loadDetector('det.onnx', config, 'det.json')`;
 * `await detector.detect(rgb, { resize: 'fill', width: 640, height: 480, inputWidth: 320, inputHeight: 320 })` →
 * `[{ box: [12.5, 40, 200, 310], score: 0.91, classId: 0, classScores: [0.91, 0.09] }]` (original pixels, best first).
 */
export async function loadDetector(modelPath: string, config: DetectorConfig, configFile: string, runnerOptions: RunnerOptions = {}): Promise<Detector> {
  const input = await resolveModelConfig({ ...config.model, pooling: 'none', normalize: false, resize: 'fill' });
  let runner: ModelRunner;
  try {
    runner = await createModelRunner(modelPath, runnerOptions);
  } catch (error) {
    throw new InvalidConfigError(`detector ${modelPath} could not be loaded: ${(error as Error).message.split('\n')[0]}`);
  }
  try {
    const inputName = input.inputName ?? runner.inputNames[0];
    if (!runner.inputNames.includes(inputName)) {
      throw new InvalidInputError({ file: configFile, column: 'model.inputName' }, `model input ${inputName} not found; ${modelPath} has ${runner.inputNames.join(', ')}`);
    }
    const wanted = Object.entries(config.outputs).filter((e): e is [string, string] => typeof e[1] === 'string');
    for (const [field, name] of wanted) {
      if (!runner.outputNames.includes(name)) {
        throw new InvalidInputError({ file: configFile, column: `outputs.${field}` }, `model output ${name} not found; ${modelPath} has ${runner.outputNames.join(', ')}`);
      }
    }
    const names = [...new Set(wanted.map((e) => e[1]))];
    const dims = input.layout === 'NCHW' ? [1, 3, input.height, input.width] : [1, input.height, input.width, 3];
    const pixels = new Float32Array(3 * input.height * input.width);
    const options = {
      format: config.boxFormat,
      categories: config.categories.length,
      scoreThreshold: config.scoreThreshold ?? DETECTOR_DEFAULTS.scoreThreshold,
      classOffset: config.classOffset ?? DETECTOR_DEFAULTS.classOffset,
      file: modelPath,
    };
    return {
      id: input.id ?? path.basename(modelPath),
      config,
      input: { ...input, inputName },
      async detect(rgb, fit) {
        writePixels(rgb, pixels, 0, input);
        let outputs: Record<string, RunnerOutput>;
        try {
          outputs = await runner.runOutputs({ name: inputName, data: pixels, dims }, names);
        } catch (error) {
          throw new InvalidConfigError(`detector ${modelPath} failed on input ${JSON.stringify(dims)}: ${(error as Error).message.split('\n')[0]}`);
        }
        const raw = rawDetections(outputs, config, modelPath);
        let detections = decodeDetections(raw, options);
        if (config.boxCoordinates === 'normalized') {
          for (const d of detections) d.box = [d.box[0] * fit.inputWidth, d.box[1] * fit.inputHeight, d.box[2] * fit.inputWidth, d.box[3] * fit.inputHeight];
        }
        // NMS in the model's input space (IoU does not change under the per-axis scaling back to the image).
        detections = nonMaxSuppression(detections, config.iouThreshold ?? DETECTOR_DEFAULTS.iouThreshold, config.maxDetections ?? DETECTOR_DEFAULTS.maxDetections);
        const out: Detection[] = [];
        for (const d of detections) {
          const box = toImagePixels(d.box, fit);
          if (box !== undefined) out.push({ ...d, box });
        }
        return out;
      },
      close: () => runner.close(),
    };
  } catch (error) {
    await runner.close();
    throw error;
  }
}

/** The configured tensors of one image → flat arrays for {@link decodeDetections}. */
export function rawDetections(outputs: Record<string, RunnerOutput>, config: DetectorConfig, file: string): RawDetections {
  const C = config.categories.length + (config.classOffset ?? 0);
  const { combined } = config.outputs;
  if (combined === undefined) {
    const boxes = outputs[config.outputs.boxes!];
    const scores = outputs[config.outputs.scores!];
    checkSingleImage(boxes, 'boxes', file);
    checkSingleImage(scores, 'scores', file);
    const raw: RawDetections = { boxes: boxes.data, scores: scores.data };
    if (config.outputs.classes !== undefined) {
      const classes = outputs[config.outputs.classes];
      checkSingleImage(classes, 'classes', file);
      raw.classes = classes.data;
    }
    return raw;
  }
  const tensor = outputs[combined];
  checkSingleImage(tensor, 'combined', file);
  const row = 4 + (config.outputs.objectness ? 1 : 0) + C;
  const dims = tensor.dims.length === 3 ? tensor.dims.slice(1) : tensor.dims;
  if (dims.length !== 2 || (dims[0] !== row && dims[1] !== row)) {
    throw new InvalidInputError(
      { file, column: 'outputs.combined' },
      `tensor ${combined} has shape ${JSON.stringify(tensor.dims)}; expected [1, K, ${row}] or [1, ${row}, K] (4 box values${config.outputs.objectness ? ', objectness' : ''}, ${C} class scores)`,
    );
  }
  // [row, K] (YOLOv8's layout) is read column by column; [K, row] row by row.
  const transposed = dims[1] !== row;
  const K = transposed ? dims[1] : dims[0];
  const at = (k: number, j: number) => (transposed ? tensor.data[j * K + k] : tensor.data[k * row + j]);
  const boxes = new Float32Array(4 * K);
  const scores = new Float32Array(K * C);
  const objectness = config.outputs.objectness ? new Float32Array(K) : undefined;
  const first = objectness ? 5 : 4;
  for (let k = 0; k < K; k++) {
    for (let j = 0; j < 4; j++) boxes[4 * k + j] = at(k, j);
    if (objectness) objectness[k] = at(k, 4);
    for (let c = 0; c < C; c++) scores[k * C + c] = at(k, first + c);
  }
  return objectness ? { boxes, scores, objectness } : { boxes, scores };
}

function checkSingleImage(output: RunnerOutput, field: string, file: string): void {
  if (output.dims.length >= 3 && output.dims[0] !== 1) {
    throw new InvalidInputError({ file, column: `outputs.${field}` }, `output has shape ${JSON.stringify(output.dims)}; expected a batch of 1`);
  }
}

/**
 * Decodes an image for a detector: EXIF orientation applied, alpha flattened, stretched (`fill`) or letterboxed
 * (grey 114 padding, as YOLO) to the input size. Returns the original oriented size with the pixels, or the reason
 * the file cannot be read.
 */
export async function decodeForDetector(
  absPath: string,
  file: string,
  input: { width: number; height: number },
  resize: 'fill' | 'letterbox',
  limitInputPixels: number,
): Promise<{ file: string; ok: true; rgb: Buffer; fit: InputFit } | { file: string; ok: false; reason: string }> {
  try {
    const info = await stat(absPath);
    if (info.size === 0) return { file, ok: false, reason: 'empty file (0 bytes)' };
    const meta = await sharp(absPath, { limitInputPixels, pages: 1 }).metadata();
    if (meta.width === undefined || meta.height === undefined) return { file, ok: false, reason: 'image has no size' };
    const turned = (meta.orientation ?? 1) >= 5;
    const fit: InputFit = {
      resize,
      width: turned ? meta.height : meta.width,
      height: turned ? meta.width : meta.height,
      inputWidth: input.width,
      inputHeight: input.height,
    };
    let image = sharp(absPath, { limitInputPixels, pages: 1 }).rotate().flatten({ background: ALPHA_BACKGROUND }).toColourspace('srgb');
    if (resize === 'fill') {
      image = image.resize(input.width, input.height, { fit: 'fill' });
    } else {
      // The placement is computed here (not left to sharp's 'contain') so boxes map back with exactly the same numbers.
      const p = letterboxPlacement(fit);
      const grey = { r: 114, g: 114, b: 114 };
      image = sharp(await image.resize(p.width, p.height, { fit: 'fill' }).raw().toBuffer(), { raw: { width: p.width, height: p.height, channels: 3 } }).extend({
        left: p.left,
        top: p.top,
        right: input.width - p.width - p.left,
        bottom: input.height - p.height - p.top,
        background: grey,
      });
    }
    const { data, info: out } = await image.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    if (out.channels !== 3 || out.width !== input.width || out.height !== input.height) {
      return { file, ok: false, reason: `decoded to ${out.width}×${out.height}×${out.channels}, expected RGB` };
    }
    return { file, ok: true, rgb: data, fit };
  } catch (error) {
    return { file, ok: false, reason: await explainDecodeError(absPath, error as Error & { code?: string }, { limitInputPixels }) };
  }
}

export interface DetectImagesOptions {
  inputDir: string;
  files?: string[];
  limitInputPixels?: number;
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
  /** Each image's predictions as they are made (Lightly's object-detection singletons, bbox [x, y, w, h] in pixels). */
  onPredictions(file: string, predictions: PredictionSingleton[]): Promise<void>;
}

/**
 * Runs a detector over the images of a folder: decoding on sharp's threads a few images ahead of the model,
 * bad files skipped with a reason. Returns the images that went through the model and the skipped ones.
 */
export async function runDetector(detector: Detector, options: DetectImagesOptions): Promise<{ predicted: number; skipped: Array<{ file: string; reason: string }> }> {
  const inputDir = path.resolve(options.inputDir);
  const files = options.files ?? (await scanInputDir(inputDir)).images;
  const resize = detector.config.resize ?? DETECTOR_DEFAULTS.resize;
  const limit = options.limitInputPixels ?? DEFAULT_PIXEL_LIMIT;
  const skipped: Array<{ file: string; reason: string }> = [];
  const started = Date.now();
  let done = 0;
  let predicted = 0;
  const decode = (file: string) => decodeForDetector(path.join(inputDir, ...file.split('/')), file, detector.input, resize, limit);
  for await (const outcome of mapOrdered(files, 4, decode, options.signal)) {
    done++;
    if (!outcome.ok) {
      skipped.push({ file: outcome.file, reason: outcome.reason });
    } else {
      const detections = await detector.detect(outcome.rgb, outcome.fit);
      // A box thinner than the 1/100 pixel the file keeps would be written with width 0, which no reader accepts.
      const singletons = detections.map((d) => toSingleton(d, detector.config)).filter((s) => s.bbox![2] > 0 && s.bbox![3] > 0);
      await options.onPredictions(outcome.file, singletons);
      predicted++;
    }
    if (done % 8 === 0 || done === files.length) options.onProgress?.(measureProgress(done, files.length, started));
  }
  return { predicted, skipped };
}

/**
 * A detection → Lightly's singleton: bbox `[x, y, w, h]` rounded to 1/100 pixel (inside the image: corners are
 * rounded, not sizes), score to 1e-6, probabilities when configured.
 *
 * Example: `toSingleton({ box: [10.123, 20, 50.456, 80], score: 0.912345678, classId: 1 }, config)` →
 * `{ category_id: 1, bbox: [10.12, 20, 40.34, 60], score: 0.912346 }`.
 */
export function toSingleton(d: Detection, config: Pick<DetectorConfig, 'probabilities'>): PredictionSingleton {
  const r2 = (v: number) => Math.round(v * 100) / 100;
  const [x1, y1, x2, y2] = d.box.map(r2) as Corners;
  if (!(d.score >= 0 && d.score <= 1)) {
    throw new InvalidConfigError(`the detector gave score ${d.score}, outside [0, 1]: its score output must be probabilities (apply a sigmoid or softmax in the model)`);
  }
  const out: PredictionSingleton = { category_id: d.classId, bbox: [x1, y1, r2(x2 - x1), r2(y2 - y1)], score: Math.round(d.score * 1e6) / 1e6 };
  if (config.probabilities && d.classScores !== undefined) {
    const sum = d.classScores.reduce((a, b) => a + Math.max(0, b), 0);
    if (sum > 0) out.probabilities = d.classScores.map((v) => Math.round((Math.max(0, v) / sum) * 1e6) / 1e6);
  }
  return out;
}
