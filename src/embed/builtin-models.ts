import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { InvalidConfigError } from '../errors';
import type { ModelConfig } from './model-config';
import { NSFWJS_MODEL_CONFIG, NSFWJS_MODEL_NAME, nsfwjsModelId, nsfwjsModelPath } from './nsfwjs-mobilenet';

/**
 * The models Winnow ships, by name. `--model NAME` picks one; anything else given to `--model` is a path to an `.onnx`
 * file with a model config. Nothing here downloads: EfficientNet-Lite0 is a file in the package's `models/` folder,
 * the nsfwjs MobileNetV2 is converted from the nsfwjs npm package on first use.
 */
export interface BuiltinModel {
  readonly name: string;
  /** One line for `winnow models` and help texts. */
  readonly description: string;
  readonly dim: number;
  readonly config: ModelConfig & { inputName: string; outputName: string };
  /** The ONNX file (converted and cached first where needed). */
  path(): Promise<string>;
  /** `<name>@<16 hex>` of the weights (and, for efficientnet-lite0, its preprocessing), written into every embeddings CSV's model record. */
  id(): Promise<string>;
  /** The ImageNet-1k head, for models that keep one: output tensor (probabilities) and class names in index order. */
  readonly classifier?: { outputName: string; classes(): Promise<string[]> };
}

/** `efficientnet-lite0`: general ImageNet features, better than the old default on every dataset measured. */
export const DEFAULT_MODEL_NAME = 'efficientnet-lite0';

/**
 * SHA-256 of models/efficientnet-lite0.onnx as made by scripts/models/convert-efficientnet-lite0.sh (also in
 * models/README.md; test/embed/builtin-models.test.ts checks the shipped file against it).
 */
export const EFFICIENTNET_LITE0_SHA256 = 'a491eddbb11182f378f76fac466a16485425b388ef035f16ed916fad4f5a99ed';

/**
 * EfficientNet-Lite0 was trained by the TF EfficientNet-Lite builder on inputs `(x − 127) / 128` (its MEAN_RGB = 127,
 * STDDEV_RGB = 128), not ImageNet mean/std: with mean/std a daisy is classified as a honeycomb. RGB, NCHW, 224×224
 * stretched (`fill`), as the reference outputs were computed. Images smaller than 224 are enlarged bilinearly: its
 * training images were photos reduced to 224 (bicubic), which never show the rings a cubic kernel draws around hard
 * edges when it enlarges a small image several times (bench/embed-quality's figures for both: models/README.md).
 * Larger images are reduced with Lanczos-3 as before.
 */
export const EFFICIENTNET_LITE0_CONFIG = {
  inputName: 'input',
  outputName: 'embedding',
  size: 224,
  layout: 'NCHW',
  resize: 'fill',
  enlarge: 'bilinear',
  scale: 1,
  mean: [127, 127, 127],
  std: [128, 128, 128],
  pooling: 'none',
  normalize: true,
} as const satisfies ModelConfig;

/**
 * `efficientnet-lite0@<16 hex>`: the SHA-256 of the ONNX file's SHA-256 and the preprocessing above, so embeddings made
 * with other preprocessing (before the bilinear enlargement: `efficientnet-lite0@a491eddbb11182f3`, the file's own hash)
 * count as another model and are never merged or resumed into these.
 */
export const EFFICIENTNET_LITE0_ID = `${DEFAULT_MODEL_NAME}@${createHash('sha256')
  .update(`${EFFICIENTNET_LITE0_SHA256}\0${JSON.stringify(EFFICIENTNET_LITE0_CONFIG)}`)
  .digest('hex')
  .slice(0, 16)}`;

/**
 * The package's `models/` folder: next to `src/` in a checkout (tests run from src/embed) and next to `dist/` in the
 * installed package (dist/src/embed).
 */
export function packageModelsDir(): string {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'models');
    if (existsSync(path.join(candidate, 'efficientnet-lite0.onnx'))) return candidate;
  }
  throw new InvalidConfigError(`models/efficientnet-lite0.onnx not found above ${__dirname}; the package is incomplete (reinstall it)`);
}

let imagenetClasses: Promise<string[]> | undefined;

/** The 1000 ImageNet-1k class names in the classifier's index order (models/imagenet-classes.json). */
export function loadImagenetClasses(): Promise<string[]> {
  imagenetClasses ??= readFile(path.join(packageModelsDir(), 'imagenet-classes.json'), 'utf8').then((text) => {
    const names = JSON.parse(text) as unknown;
    if (!Array.isArray(names) || names.length !== 1000) throw new InvalidConfigError('models/imagenet-classes.json must hold 1000 names');
    return names as string[];
  });
  return imagenetClasses;
}

export const BUILTIN_MODELS: Readonly<Record<string, BuiltinModel>> = {
  [DEFAULT_MODEL_NAME]: {
    name: DEFAULT_MODEL_NAME,
    description: 'EfficientNet-Lite0, ImageNet-1k (Apache-2.0), 1280-d pooled features + ImageNet class probabilities; the default',
    dim: 1280,
    config: EFFICIENTNET_LITE0_CONFIG,
    path: async () => path.join(packageModelsDir(), 'efficientnet-lite0.onnx'),
    id: async () => EFFICIENTNET_LITE0_ID,
    classifier: { outputName: 'probabilities', classes: loadImagenetClasses },
  },
  [NSFWJS_MODEL_NAME]: {
    name: NSFWJS_MODEL_NAME,
    description: 'MobileNetV2 from the nsfwjs npm package (upper blocks tuned on 5 NSFW classes), 1280-d; the earlier default, kept to reproduce earlier CSVs',
    dim: 1280,
    config: { ...NSFWJS_MODEL_CONFIG, inputName: 'input', outputName: 'embedding' },
    path: nsfwjsModelPath,
    id: nsfwjsModelId,
  },
};

export type ModelChoice = { kind: 'builtin'; model: BuiltinModel } | { kind: 'file'; path: string };

/**
 * What `--model` names: `default` or a built-in name, else a path to an ONNX file (which must exist).
 *
 * @example
 * await resolveModelChoice(undefined);            // { kind: 'builtin', model: BUILTIN_MODELS['efficientnet-lite0'] }
 * await resolveModelChoice('nsfwjs-mobilenet_v2'); // { kind: 'builtin', model: … }
 * await resolveModelChoice('clip.onnx');          // { kind: 'file', path: '/abs/clip.onnx' }
 * await resolveModelChoice('resnet');             // throws: unknown model "resnet"; built-in models: efficientnet-lite0, …
 */
export async function resolveModelChoice(model: string | undefined): Promise<ModelChoice> {
  const name = model === undefined || model === '' || model === 'default' ? DEFAULT_MODEL_NAME : model;
  const builtin = Object.hasOwn(BUILTIN_MODELS, name) ? BUILTIN_MODELS[name] : undefined;
  if (builtin) return { kind: 'builtin', model: builtin };
  const file = path.resolve(name);
  const info = await stat(file).catch(() => undefined);
  if (info?.isFile()) return { kind: 'file', path: file };
  const looksLikePath = name.includes('/') || name.includes(path.sep) || name.toLowerCase().endsWith('.onnx');
  throw new InvalidConfigError(
    looksLikePath
      ? `model file ${name} not found`
      : `unknown model ${JSON.stringify(name)}; built-in models: ${Object.keys(BUILTIN_MODELS).join(', ')} (or a path to an .onnx file)`,
  );
}
