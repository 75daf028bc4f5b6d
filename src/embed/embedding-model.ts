import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { InvalidConfigError } from '../errors';
import { DEFAULT_MODEL_NAME, resolveModelChoice } from './builtin-models';
import { resolveModelConfig, type ModelConfig, type ResolvedModelConfig } from './model-config';
import { createModelRunner, type ModelRunner, type RunnerOptions } from './runner/model-runner';

export interface LoadEmbeddingModelOptions extends RunnerOptions {
  /** `default` (efficientnet-lite0), a built-in model's name (`winnow models`) or a path to an `.onnx` file. */
  model?: string;
  /** Required for a model file: the config object or a JSON file path. Overrides a built-in model's config. */
  modelConfig?: ModelConfig | string;
  /**
   * `embedding` (default): the pooled feature vector. `classes`: the model's ImageNet-1k class probabilities
   * (built-in models with a classifier head only), not normalised.
   */
  output?: 'embedding' | 'classes';
}

/** A loaded model that turns a batch of preprocessed pixels into one pooled (and by default L2-normalised) vector each. */
export interface EmbeddingModel {
  /** `efficientnet-lite0@<hash>` for the default, else the config's `id` or `<file name>@<content hash>`. */
  readonly id: string;
  readonly dim: number;
  readonly config: ResolvedModelConfig & { inputName: string; outputName: string };
  readonly runner: ModelRunner;
  /** Elements of one image's input tensor (3 × height × width). */
  readonly inputSize: number;
  /** With `output: 'classes'`: the class name of each probability, in index order. */
  readonly classes?: readonly string[];
  /** `pixels` holds `count` images back to back in the config's layout. */
  embedBatch(pixels: Float32Array, count: number): Promise<Float32Array[]>;
  close(): Promise<void>;
}

async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex').slice(0, 16);
}

/**
 * Loads a built-in model (by default efficientnet-lite0) or an ONNX file, and probes it once to learn the output
 * dimension.
 *
 * @example
 * const model = await loadEmbeddingModel();
 * // { id: 'efficientnet-lite0@1c0a…', dim: 1280, config: { inputName: 'input', height: 224, layout: 'NCHW', … }, runner: { backend: 'node', … } }
 * const [vector] = await model.embedBatch(pixels, 1); // Float32Array(1280), unit length
 * const head = await loadEmbeddingModel({ output: 'classes' }); // dim 1000, classes: ['tench, Tinca tinca', …]
 */
export async function loadEmbeddingModel(options: LoadEmbeddingModelOptions = {}): Promise<EmbeddingModel> {
  const choice = await resolveModelChoice(options.model);
  let modelPath: string;
  let id: string;
  let resolved: ResolvedModelConfig;
  let classes: string[] | undefined;
  if (choice.kind === 'builtin') {
    const builtin = choice.model;
    modelPath = await builtin.path();
    resolved = await resolveModelConfig(options.modelConfig ?? builtin.config);
    id = resolved.id ?? (await builtin.id());
    if (options.output === 'classes') {
      if (!builtin.classifier) throw new InvalidConfigError(`model ${builtin.name} has no classifier head; use ${DEFAULT_MODEL_NAME}`);
      resolved = { ...resolved, outputName: builtin.classifier.outputName, normalize: false, pooling: 'none' };
      classes = await builtin.classifier.classes();
    }
  } else {
    modelPath = choice.path;
    if (options.modelConfig === undefined) {
      throw new InvalidConfigError(
        `model ${options.model} needs a model config (input size, layout, mean/std, output, pooling); pass --model-config`,
      );
    }
    if (options.output === 'classes') throw new InvalidConfigError(`class probabilities need a built-in model with a classifier head (${DEFAULT_MODEL_NAME})`);
    resolved = await resolveModelConfig(options.modelConfig);
    id = resolved.id ?? `${path.basename(modelPath)}@${await hashFile(modelPath)}`;
  }

  let runner: ModelRunner;
  try {
    runner = await createModelRunner(modelPath, options);
  } catch (error) {
    if (error instanceof InvalidConfigError) throw error;
    throw new InvalidConfigError(`model ${options.model ?? DEFAULT_MODEL_NAME} could not be loaded: ${(error as Error).message}`);
  }
  try {
    const model = await probe(runner, id, resolved);
    if (classes && model.dim !== classes.length) throw new InvalidConfigError(`model ${id} gives ${model.dim} class scores for ${classes.length} class names`);
    return classes ? { ...model, classes } : model;
  } catch (error) {
    await runner.close();
    throw error;
  }
}

async function probe(runner: ModelRunner, id: string, resolved: ResolvedModelConfig): Promise<EmbeddingModel> {
  const inputName = resolved.inputName ?? runner.inputNames[0];
  const outputName = resolved.outputName ?? runner.outputNames[0];
  if (!runner.inputNames.includes(inputName)) {
    throw new InvalidConfigError(`model input ${inputName} not found; the model has ${runner.inputNames.join(', ')}`);
  }
  if (!runner.outputNames.includes(outputName)) {
    throw new InvalidConfigError(`model output ${outputName} not found; the model has ${runner.outputNames.join(', ')}`);
  }
  const config = { ...resolved, inputName, outputName };
  const { height, width, layout } = config;
  const inputSize = 3 * height * width;
  const dimsFor = (n: number) => (layout === 'NCHW' ? [n, 3, height, width] : [n, height, width, 3]);

  const run = async (pixels: Float32Array, count: number): Promise<Float32Array[]> => {
    let out;
    try {
      out = await runner.run({ name: inputName, data: pixels.subarray(0, count * inputSize), dims: dimsFor(count) }, outputName);
    } catch (error) {
      throw new InvalidConfigError(`model ${id} failed on input ${JSON.stringify(dimsFor(count))}: ${(error as Error).message}`);
    }
    return poolOutput(out.data, out.dims, count, config.pooling, config.normalize);
  };

  // One zero image tells the embedding size (custom models often leave output dims symbolic) and warms the session.
  const [first] = await run(new Float32Array(inputSize), 1);
  const dim = first.length;
  return {
    id,
    dim,
    config,
    runner,
    inputSize,
    embedBatch: run,
    close: () => runner.close(),
  };
}

/** Splits a batch output into one vector per image, pooling tokens or cells as configured. */
export function poolOutput(
  data: Float32Array,
  dims: number[],
  count: number,
  pooling: ResolvedModelConfig['pooling'],
  normalize: boolean,
): Float32Array[] {
  if (dims[0] !== count) throw new InvalidConfigError(`model output batch size ${dims[0]} != input batch size ${count}`);
  const per = data.length / count;
  const vectors: Float32Array[] = [];
  for (let n = 0; n < count; n++) {
    const item = data.subarray(n * per, (n + 1) * per);
    let v: Float32Array;
    if (pooling === 'none') {
      v = Float32Array.from(item);
    } else if (pooling === 'cls' || pooling === 'mean') {
      if (dims.length !== 3) throw new InvalidConfigError(`pooling ${pooling} needs output [N, T, D], got ${JSON.stringify(dims)}`);
      const [, tokens, d] = dims;
      v = new Float32Array(d);
      if (pooling === 'cls') v.set(item.subarray(0, d));
      else {
        for (let t = 0; t < tokens; t++) for (let i = 0; i < d; i++) v[i] += item[t * d + i];
        for (let i = 0; i < d; i++) v[i] /= tokens;
      }
    } else {
      if (dims.length !== 4) throw new InvalidConfigError(`pooling gap needs output [N, C, H, W], got ${JSON.stringify(dims)}`);
      const [, c, h, w] = dims;
      v = new Float32Array(c);
      const cells = h * w;
      for (let ch = 0; ch < c; ch++) {
        let sum = 0;
        for (let k = 0; k < cells; k++) sum += item[ch * cells + k];
        v[ch] = sum / cells;
      }
    }
    if (normalize) l2Normalize(v);
    vectors.push(v);
  }
  return vectors;
}

/** In place; a zero vector stays zero rather than becoming NaN. */
export function l2Normalize(v: Float32Array): Float32Array {
  let sum = 0;
  for (const x of v) sum += x * x;
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let i = 0; i < v.length; i++) v[i] /= norm;
  return v;
}
