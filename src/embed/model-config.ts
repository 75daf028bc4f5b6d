import { readFile } from 'node:fs/promises';
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { InvalidConfigError, InvalidInputError } from '../errors';

const Rgb = Type.Tuple([Type.Number(), Type.Number(), Type.Number()]);

/**
 * How to feed an ONNX image model and read its embedding: input tensor name, size and layout, pixel scaling,
 * per-channel mean/std, output tensor and how to pool it into one vector per image.
 */
export const ModelConfig = Type.Object(
  {
    /** Free-form id written into results (e.g. `clip-vit-b32-visual`); defaults to the file name plus a content hash. */
    id: Type.Optional(Type.String({ minLength: 1 })),
    /** Input tensor name; defaults to the model's first input. */
    inputName: Type.Optional(Type.String({ minLength: 1 })),
    /** Output tensor name; defaults to the model's first output. */
    outputName: Type.Optional(Type.String({ minLength: 1 })),
    /** Input height and width in pixels (a single number means square). */
    size: Type.Union([
      Type.Integer({ minimum: 1, maximum: 4096 }),
      Type.Tuple([Type.Integer({ minimum: 1, maximum: 4096 }), Type.Integer({ minimum: 1, maximum: 4096 })]),
    ]),
    layout: Type.Union([Type.Literal('NCHW'), Type.Literal('NHWC')]),
    /**
     * `fill` stretches to the input size; `center-crop` resizes the short side then crops the centre (what CLIP and
     * DINOv2 preprocessing do).
     */
    resize: Type.Optional(Type.Union([Type.Literal('fill'), Type.Literal('center-crop')])),
    /**
     * How an image smaller than the input is enlarged: `bicubic` (the default: what sharp does behind its default
     * Lanczos-3 kernel) or `bilinear`, which never overshoots. Images larger than the input are always reduced with
     * Lanczos-3.
     */
    enlarge: Type.Optional(Type.Union([Type.Literal('bicubic'), Type.Literal('bilinear')])),
    /** Multiplies each 0–255 byte before mean/std: 1/255 for models trained on [0,1] input. */
    scale: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    mean: Type.Optional(Rgb),
    std: Type.Optional(Rgb),
    /**
     * How the output becomes one vector: `none` for `[N, D]`; `cls` takes token 0 of `[N, T, D]`; `mean` averages the
     * tokens of `[N, T, D]`; `gap` averages the spatial cells of `[N, C, H, W]`.
     */
    pooling: Type.Optional(
      Type.Union([Type.Literal('none'), Type.Literal('cls'), Type.Literal('mean'), Type.Literal('gap')]),
    ),
    /** Whether to L2-normalise the vector (default true), so cosine similarity is a dot product. */
    normalize: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type ModelConfig = Static<typeof ModelConfig>;

/** A config with every default filled in. */
export interface ResolvedModelConfig {
  id?: string;
  inputName?: string;
  outputName?: string;
  height: number;
  width: number;
  layout: 'NCHW' | 'NHWC';
  resize: 'fill' | 'center-crop';
  enlarge: 'bicubic' | 'bilinear';
  scale: number;
  mean: [number, number, number];
  std: [number, number, number];
  pooling: 'none' | 'cls' | 'mean' | 'gap';
  normalize: boolean;
}

const checker = TypeCompiler.Compile(ModelConfig);

/**
 * Validates a model config object or reads and validates a JSON file. Errors name the file and the field.
 *
 * @example
 * await resolveModelConfig({ size: 224, layout: 'NCHW', scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] });
 * // { height: 224, width: 224, layout: 'NCHW', resize: 'fill', enlarge: 'bicubic', scale: 0.0039…, mean: […], std: […], pooling: 'none', normalize: true }
 */
export async function resolveModelConfig(config: ModelConfig | string): Promise<ResolvedModelConfig> {
  let value: unknown = config;
  const source = typeof config === 'string' ? config : 'model config';
  if (typeof config === 'string') {
    let text: string;
    try {
      text = await readFile(config, 'utf8');
    } catch (error) {
      throw new InvalidConfigError(`model config ${config}: ${(error as Error).message}`);
    }
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new InvalidInputError({ file: config }, `not valid JSON: ${(error as Error).message}`);
    }
  }
  const first = checker.Errors(value).First();
  if (first) {
    const field = first.path.replace(/^\//, '') || '(root)';
    const problem = `${first.message}${field === '(root)' ? '' : ` at ${field}`}`;
    if (typeof config === 'string') throw new InvalidInputError({ file: source, column: field }, problem, 'INVALID_MODEL_CONFIG');
    throw new InvalidConfigError(`${source}: ${problem}`, 'INVALID_MODEL_CONFIG');
  }
  const c = value as ModelConfig;
  const [height, width] = typeof c.size === 'number' ? [c.size, c.size] : c.size;
  const std = c.std ?? [1, 1, 1];
  if (std.some((s) => s === 0)) throw new InvalidConfigError(`${source}: std must not contain 0`, 'INVALID_MODEL_CONFIG');
  return {
    id: c.id,
    inputName: c.inputName,
    outputName: c.outputName,
    height,
    width,
    layout: c.layout,
    resize: c.resize ?? 'fill',
    enlarge: c.enlarge ?? 'bicubic',
    scale: c.scale ?? 1 / 255,
    mean: c.mean ?? [0, 0, 0],
    std,
    pooling: c.pooling ?? 'none',
    normalize: c.normalize ?? true,
  };
}
