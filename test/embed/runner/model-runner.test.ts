import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage, DEFAULT_PIXEL_LIMIT, writePixels } from '../../../src/embed/decode-image';
import { loadEmbeddingModel, type EmbeddingModel } from '../../../src/embed/embedding-model';
import { createModelRunner, type BackendLoaders } from '../../../src/embed/runner/model-runner';
import { openNodeRunner } from '../../../src/embed/runner/node/node-runner';
import { openWasmRunner } from '../../../src/embed/runner/wasm/wasm-runner';
import { InvalidConfigError } from '../../../src/errors';
import { cosine, noisy, scene, tempDir, writeImage } from '../images';
import { tinyModelBytes } from '../tiny-model';

let dir: string;
let cleanup: () => Promise<void>;
const files = ['circles.jpg', 'stripes.png', 'noise.jpg'];

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  await writeImage(path.join(dir, 'circles.jpg'), scene('circles').jpeg());
  await writeImage(path.join(dir, 'stripes.png'), scene('stripes').png());
  await writeImage(path.join(dir, 'noise.jpg'), noisy(9, 320, 240).jpeg());
});
afterAll(() => cleanup());
afterEach(() => {
  delete process.env.WINNOW_ORT_BACKEND;
});

async function embedAll(model: EmbeddingModel): Promise<Float32Array[]> {
  const pixels = new Float32Array(files.length * model.inputSize);
  for (const [i, file] of files.entries()) {
    const outcome = await decodeImage(path.join(dir, file), file, {
      width: model.config.width,
      height: model.config.height,
      resize: model.config.resize,
      limitInputPixels: DEFAULT_PIXEL_LIMIT,
    });
    if (!outcome.ok) throw new Error(outcome.reason);
    writePixels(outcome.rgb, pixels, i * model.inputSize, model.config);
  }
  return model.embedBatch(pixels, files.length);
}

// One suite over every backend: each must load a model, report its names and run a batch.
describe.each([
  ['node', openNodeRunner],
  ['wasm', openWasmRunner],
] as const)('%s runner', (backend, open) => {
  it('runs the tiny model', async () => {
    const runner = await open(tinyModelBytes(), {});
    try {
      expect(runner.backend).toBe(backend);
      expect(runner.inputNames).toEqual(['pixels']);
      expect(runner.outputNames).toEqual(['features']);
      const out = await runner.run({ name: 'pixels', data: new Float32Array(2 * 3 * 16 * 16).fill(0.5), dims: [2, 3, 16, 16] }, 'features');
      expect(out.dims).toEqual([2, 8, 4, 4]);
      expect(out.data).toBeInstanceOf(Float32Array);
      expect(Array.from(out.data.subarray(0, 16))).toEqual(Array.from(out.data.subarray(128, 144)));
    } finally {
      await runner.close();
    }
  });
});

describe('WASM fallback', () => {
  it('WINNOW_ORT_BACKEND=wasm gives the same default-model embeddings as the native backend, closely', async () => {
    const native = await loadEmbeddingModel();
    const nativeVectors = await embedAll(native).finally(() => native.close());
    expect(native.runner.backend).toBe('node');

    process.env.WINNOW_ORT_BACKEND = 'wasm';
    const wasm = await loadEmbeddingModel();
    const wasmVectors = await embedAll(wasm).finally(() => wasm.close());
    expect(wasm.runner.backend).toBe('wasm');
    expect(wasm.id).toBe(native.id);

    for (let i = 0; i < files.length; i++) {
      expect(cosine(nativeVectors[i], wasmVectors[i])).toBeGreaterThan(0.99999);
      let maxDiff = 0;
      for (let k = 0; k < native.dim; k++) maxDiff = Math.max(maxDiff, Math.abs(nativeVectors[i][k] - wasmVectors[i][k]));
      expect(maxDiff).toBeLessThan(1e-4);
    }
  });

  it('falls back to WASM with a warning when the native binding cannot load', async () => {
    const warnings: string[] = [];
    const loaders: BackendLoaders = {
      node: openNodeRunner,
      wasm: openWasmRunner,
      probeNode: async () => {
        throw new Error('Error loading shared library ld-linux-x86-64.so.2: No such file or directory');
      },
    };
    const runner = await createModelRunner(tinyModelBytes(), { onWarning: (w) => warnings.push(w) }, loaders);
    await runner.close();
    expect(runner.backend).toBe('wasm');
    expect(warnings).toEqual([expect.stringMatching(/^onnxruntime-node could not load \(Error loading shared library.*\); using onnxruntime-web \(WASM\)/)]);
  });

  it('uses native by default and refuses an unknown WINNOW_ORT_BACKEND', async () => {
    const runner = await createModelRunner(tinyModelBytes());
    await runner.close();
    expect(runner).toMatchObject({ backend: 'node', executionProvider: 'cpu' });
    process.env.WINNOW_ORT_BACKEND = 'gpu';
    await expect(createModelRunner(tinyModelBytes())).rejects.toBeInstanceOf(InvalidConfigError);
  });

  it('falls back from CUDA to CPU with a warning when no CUDA provider is installed', async () => {
    const warnings: string[] = [];
    const runner = await createModelRunner(tinyModelBytes(), { executionProvider: 'cuda', onWarning: (w) => warnings.push(w) });
    await runner.close();
    // This machine has no CUDA build of onnxruntime-node; where one exists, CUDA is used and no warning is given.
    if (runner.executionProvider === 'cpu') expect(warnings[0]).toMatch(/^CUDA execution provider (not installed|unavailable)/);
    else expect(warnings).toEqual([]);
  });
});
