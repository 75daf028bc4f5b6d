import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage, DEFAULT_PIXEL_LIMIT, writePixels } from '../../src/embed/decode-image';
import { l2Normalize, loadEmbeddingModel, poolOutput, type EmbeddingModel } from '../../src/embed/embedding-model';
import { InvalidConfigError } from '../../src/errors';
import { cosine, scene, tempDir, writeImage } from './images';
import { TINY_CONFIG, writeTinyModel } from './tiny-model';

let dir: string;
let cleanup: () => Promise<void>;
let model: EmbeddingModel;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  model = await loadEmbeddingModel();
});
afterAll(async () => {
  await model?.close();
  await cleanup();
});

async function embedFiles(m: EmbeddingModel, files: string[]): Promise<Float32Array[]> {
  const pixels = new Float32Array(files.length * m.inputSize);
  for (const [i, file] of files.entries()) {
    const outcome = await decodeImage(path.join(dir, file), file, {
      width: m.config.width,
      height: m.config.height,
      resize: m.config.resize,
      limitInputPixels: DEFAULT_PIXEL_LIMIT,
    });
    if (!outcome.ok) throw new Error(outcome.reason);
    writePixels(outcome.rgb, pixels, i * m.inputSize, m.config);
  }
  return m.embedBatch(pixels, files.length);
}

describe('default model (efficientnet-lite0)', () => {
  it('gives 1280-d unit vectors', () => {
    expect(model.dim).toBe(1280);
    expect(model.id).toMatch(/^efficientnet-lite0@[0-9a-f]{16}$/);
    expect(model.config).toMatchObject({ inputName: 'input', outputName: 'embedding', layout: 'NCHW', height: 224, mean: [127, 127, 127], std: [128, 128, 128] });
  });

  it('keeps an image and its PNG re-encode together (cosine ≥ 0.95) and different images apart', async () => {
    await writeImage(path.join(dir, 'circles.jpg'), scene('circles').jpeg({ quality: 80 }));
    // Lossless PNG of the same scene vs the lossy JPEG: different pixels (JPEG artefacts), same picture.
    await writeImage(path.join(dir, 'circles.png'), scene('circles').png());
    await writeImage(path.join(dir, 'circles-shifted.jpg'), scene('circles', 640, 480, 3).jpeg({ quality: 80 }));
    await writeImage(path.join(dir, 'stripes.jpg'), scene('stripes').jpeg({ quality: 80 }));
    await writeImage(path.join(dir, 'checker.jpg'), scene('checker').jpeg({ quality: 80 }));
    const [jpg, png, shifted, stripes, checker] = await embedFiles(model, [
      'circles.jpg',
      'circles.png',
      'circles-shifted.jpg',
      'stripes.jpg',
      'checker.jpg',
    ]);
    for (const v of [jpg, png, stripes]) expect(Math.hypot(...v)).toBeCloseTo(1, 5);
    const same = cosine(jpg, png);
    expect(same).toBeGreaterThanOrEqual(0.95);
    expect(cosine(jpg, shifted)).toBeGreaterThan(cosine(jpg, stripes));
    for (const other of [stripes, checker]) expect(cosine(jpg, other)).toBeLessThan(same - 0.1);
  });

  it('gives the same vector for an image alone or inside a batch', async () => {
    const [alone] = await embedFiles(model, ['stripes.jpg']);
    const batch = await embedFiles(model, ['circles.jpg', 'stripes.jpg', 'checker.jpg']);
    expect(cosine(alone, batch[1])).toBeGreaterThan(0.99999);
  });
});

describe('models by name', () => {
  it('loads the earlier default by its name, and "default" is efficientnet-lite0', async () => {
    const old = await loadEmbeddingModel({ model: 'nsfwjs-mobilenet_v2' });
    await old.close();
    expect(old.id).toMatch(/^nsfwjs-mobilenet_v2@[0-9a-f]{16}$/);
    expect(old.config).toMatchObject({ layout: 'NHWC', scale: 1 / 255 });
    const byDefault = await loadEmbeddingModel({ model: 'default' });
    await byDefault.close();
    expect(byDefault.id).toBe(model.id);
  });

  it('refuses an unknown name listing the built-in ones, and a classifier on a model without one', async () => {
    await expect(loadEmbeddingModel({ model: 'resnet50' })).rejects.toThrow(
      'unknown model "resnet50"; built-in models: efficientnet-lite0, nsfwjs-mobilenet_v2 (or a path to an .onnx file)',
    );
    await expect(loadEmbeddingModel({ model: 'nsfwjs-mobilenet_v2', output: 'classes' })).rejects.toThrow(/has no classifier head/);
  });
});

describe('custom model', () => {
  it('runs a tiny ONNX model with its config file', async () => {
    const file = path.join(dir, 'tiny.onnx');
    const configFile = path.join(dir, 'tiny.json');
    await writeTinyModel(file, configFile);
    const tiny = await loadEmbeddingModel({ model: file, modelConfig: configFile });
    try {
      expect(tiny.dim).toBe(8);
      expect(tiny.id).toBe('tiny-conv');
      expect(tiny.config).toMatchObject({ inputName: 'pixels', layout: 'NCHW', height: 16, pooling: 'gap' });
      const [a, b, c] = await embedFiles(tiny, ['circles.jpg', 'circles.png', 'stripes.jpg']);
      expect(Math.hypot(...a)).toBeCloseTo(1, 5);
      expect(cosine(a, b)).toBeGreaterThan(cosine(a, c));
    } finally {
      await tiny.close();
    }
  });

  it('derives an id from the file hash and defaults input/output names', async () => {
    const file = path.join(dir, 'tiny.onnx');
    const { id: _id, inputName: _i, outputName: _o, ...rest } = TINY_CONFIG;
    const tiny = await loadEmbeddingModel({ model: file, modelConfig: rest });
    await tiny.close();
    expect(tiny.id).toMatch(/^tiny\.onnx@[0-9a-f]{16}$/);
    expect(tiny.config.inputName).toBe('pixels');
  });

  it('refuses a missing file, a missing config, wrong names and a non-ONNX file', async () => {
    const file = path.join(dir, 'tiny.onnx');
    await expect(loadEmbeddingModel({ model: path.join(dir, 'none.onnx'), modelConfig: TINY_CONFIG })).rejects.toThrow(/not found/);
    await expect(loadEmbeddingModel({ model: file })).rejects.toThrow(/needs a model config/);
    await expect(loadEmbeddingModel({ model: file, modelConfig: { ...TINY_CONFIG, inputName: 'image' } })).rejects.toThrow(
      /model input image not found; the model has pixels/,
    );
    await expect(loadEmbeddingModel({ model: file, modelConfig: { ...TINY_CONFIG, size: 20 } })).rejects.toThrow(InvalidConfigError);
    await expect(loadEmbeddingModel({ model: path.join(dir, 'tiny.json'), modelConfig: TINY_CONFIG })).rejects.toThrow(
      /could not be loaded/,
    );
  });
});

describe('poolOutput', () => {
  const data = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  it('takes the CLS token, averages tokens or spatial cells', () => {
    expect(Array.from(poolOutput(data, [1, 3, 4], 1, 'cls', false)[0])).toEqual([1, 2, 3, 4]);
    expect(Array.from(poolOutput(data, [1, 3, 4], 1, 'mean', false)[0])).toEqual([5, 6, 7, 8]);
    expect(Array.from(poolOutput(data, [1, 3, 2, 2], 1, 'gap', false)[0])).toEqual([2.5, 6.5, 10.5]);
    expect(poolOutput(data, [2, 6], 2, 'none', false).map((v) => Array.from(v))).toEqual([
      [1, 2, 3, 4, 5, 6],
      [7, 8, 9, 10, 11, 12],
    ]);
    expect(() => poolOutput(data, [1, 12], 1, 'cls', false)).toThrow(/needs output \[N, T, D\]/);
  });
  it('normalises without turning zero vectors into NaN', () => {
    expect(Array.from(l2Normalize(Float32Array.from([3, 4])))).toEqual([0.6000000238418579, 0.800000011920929]);
    expect(Array.from(l2Normalize(new Float32Array(2)))).toEqual([0, 0]);
  });
});
