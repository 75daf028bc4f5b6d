import { stat } from 'node:fs/promises';
import { BUILTIN_MODELS, DEFAULT_MODEL_NAME } from './builtin-models';
import { loadEmbeddingModel } from './embedding-model';
import type { OrtBackend } from './runner/model-runner';

export interface BuiltinModelInfo {
  name: string;
  id: string;
  isDefault: boolean;
  description: string;
  dim: number;
  /** Size of the ONNX file. */
  bytes: number;
  /** Model-only images per second on this machine (pre-decoded inputs, batch 8), when measured. */
  imagesPerSecond?: number;
  hasClassifier: boolean;
}

/**
 * The built-in models with their dimension, file size and, with `measure`, their inference speed here: a warm-up batch
 * and then `images` images in batches of 8 through the same runner `winnow embed` uses (decoding not included).
 *
 * @example
 * await listBuiltinModels({ measure: true });
 * // [{ name: 'efficientnet-lite0', id: 'efficientnet-lite0@a491eddbb11182f3', isDefault: true, dim: 1280,
 * //    bytes: 18614293, imagesPerSecond: 160.2, hasClassifier: true, … }, { name: 'nsfwjs-mobilenet_v2', … }]
 */
export async function listBuiltinModels(
  options: { measure?: boolean; images?: number; backend?: 'auto' | OrtBackend; threads?: number } = {},
): Promise<BuiltinModelInfo[]> {
  const infos: BuiltinModelInfo[] = [];
  for (const builtin of Object.values(BUILTIN_MODELS)) {
    const file = await builtin.path();
    const info: BuiltinModelInfo = {
      name: builtin.name,
      id: await builtin.id(),
      isDefault: builtin.name === DEFAULT_MODEL_NAME,
      description: builtin.description,
      dim: builtin.dim,
      bytes: (await stat(file)).size,
      hasClassifier: builtin.classifier !== undefined,
    };
    if (options.measure) info.imagesPerSecond = await measureSpeed(builtin.name, options.images ?? 32, options);
    infos.push(info);
  }
  return infos;
}

async function measureSpeed(name: string, images: number, options: { backend?: 'auto' | OrtBackend; threads?: number }): Promise<number> {
  const batch = 8;
  const model = await loadEmbeddingModel({ model: name, backend: options.backend, threads: options.threads });
  try {
    // Mid-grey noise rather than zeros, so no kernel takes a shortcut on an all-zero input.
    const pixels = new Float32Array(batch * model.inputSize);
    let seed = 1;
    for (let i = 0; i < pixels.length; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      pixels[i] = (seed / 2 ** 32) * 2 - 1;
    }
    await model.embedBatch(pixels, batch);
    const started = process.hrtime.bigint();
    for (let done = 0; done < images; done += batch) await model.embedBatch(pixels, Math.min(batch, images - done));
    return images / (Number(process.hrtime.bigint() - started) / 1e9);
  } finally {
    await model.close();
  }
}
