import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EFFICIENTNET_LITE0_CONFIG, EFFICIENTNET_LITE0_ID, EFFICIENTNET_LITE0_SHA256, packageModelsDir } from '../../src/embed/builtin-models';
import { classifyImages } from '../../src/embed/classify-images';
import { decodeImage, DEFAULT_PIXEL_LIMIT, writePixels } from '../../src/embed/decode-image';
import { loadEmbeddingModel, type EmbeddingModel } from '../../src/embed/embedding-model';
import type { OrtBackend } from '../../src/embed/runner/model-runner';
import { cosine } from './images';

/**
 * The shipped EfficientNet-Lite0 against its PyTorch reference: scripts/models/convert-efficientnet-lite0.sh ran the
 * real photos in test/fixtures/model-parity (224×224, so no resampler differs) through the PyTorch model and wrote its
 * outputs to models/efficientnet-lite0.reference.json. Here the same files go through Winnow's own decoder and both
 * ONNX Runtime builds; torch is not needed.
 */
const PARITY_DIR = path.join(__dirname, '..', 'fixtures', 'model-parity');

interface Reference {
  modelSha256: string;
  images: Array<{ file: string; sha256: string; top5: Array<{ index: number; name: string }>; embedding: number[] }>;
}

let reference: Reference;
beforeAll(async () => {
  reference = JSON.parse(await readFile(path.join(packageModelsDir(), 'efficientnet-lite0.reference.json'), 'utf8')) as Reference;
});

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('models/efficientnet-lite0.onnx', () => {
  it('is the file the reference was computed from, and the engine pins its hash', async () => {
    const bytes = await readFile(path.join(packageModelsDir(), 'efficientnet-lite0.onnx'));
    expect(sha256(bytes)).toBe(EFFICIENTNET_LITE0_SHA256);
    expect(reference.modelSha256).toBe(EFFICIENTNET_LITE0_SHA256);
    // The model id covers the preprocessing too: the same file with the earlier bicubic enlargement made
    // efficientnet-lite0@a491eddbb11182f3 (the file's own hash), whose rows must not be merged with these.
    expect(EFFICIENTNET_LITE0_CONFIG.enlarge).toBe('bilinear');
    expect(EFFICIENTNET_LITE0_ID).toMatch(/^efficientnet-lite0@[0-9a-f]{16}$/);
    expect(EFFICIENTNET_LITE0_ID).not.toBe(`efficientnet-lite0@${EFFICIENTNET_LITE0_SHA256.slice(0, 16)}`);
    expect(reference.images.length).toBeGreaterThanOrEqual(8);
    for (const image of reference.images) {
      expect(sha256(await readFile(path.join(PARITY_DIR, image.file))), image.file).toBe(image.sha256);
    }
  });
});

for (const backend of ['node', 'wasm'] as const satisfies readonly OrtBackend[]) {
  describe(`parity with PyTorch on ${backend}`, () => {
    let model: EmbeddingModel;
    let head: EmbeddingModel;
    beforeAll(async () => {
      model = await loadEmbeddingModel({ backend });
      head = await loadEmbeddingModel({ backend, output: 'classes' });
    });
    afterAll(async () => {
      await model?.close();
      await head?.close();
    });

    async function pixelsOf(files: string[]): Promise<Float32Array> {
      const pixels = new Float32Array(files.length * model.inputSize);
      for (const [i, file] of files.entries()) {
        const outcome = await decodeImage(path.join(PARITY_DIR, file), file, {
          width: 224,
          height: 224,
          resize: model.config.resize,
          enlarge: model.config.enlarge,
          limitInputPixels: DEFAULT_PIXEL_LIMIT,
        });
        if (!outcome.ok) throw new Error(outcome.reason);
        writePixels(outcome.rgb, pixels, i * model.inputSize, model.config);
      }
      return pixels;
    }

    it('gives the reference embedding of every image (cosine ≥ 0.9999), in one batch', async () => {
      const files = reference.images.map((image) => image.file);
      const vectors = await model.embedBatch(await pixelsOf(files), files.length);
      reference.images.forEach((image, i) => {
        expect(cosine(vectors[i], Float32Array.from(image.embedding)), image.file).toBeGreaterThanOrEqual(0.9999);
      });
    });

    it('gives the reference top-1 class of every image', async () => {
      const files = reference.images.map((image) => image.file);
      const probabilities = await head.embedBatch(await pixelsOf(files), files.length);
      reference.images.forEach((image, i) => {
        const top1 = probabilities[i].indexOf(Math.max(...probabilities[i]));
        expect(head.classes?.[top1], image.file).toBe(image.top5[0].name);
        expect(probabilities[i].reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
      });
    });
  });
}

describe('classifyImages', () => {
  it('names the reference top-5 of each parity image, a daisy among them', async () => {
    const result = await classifyImages({ inputDir: PARITY_DIR, topK: 5 });
    expect(result.modelId).toMatch(/^efficientnet-lite0@[0-9a-f]{16}$/);
    expect(result.classes).toHaveLength(1000);
    expect(result.skipped).toEqual([]);
    expect(result.images.map((image) => image.file)).toEqual(reference.images.map((image) => image.file).sort());
    for (const image of reference.images) {
      const got = result.images.find((r) => r.file === image.file);
      expect(got?.top[0].name, image.file).toBe(image.top5[0].name);
      expect(got?.top.map((t) => t.index).sort()).toEqual(image.top5.map((t) => t.index).sort());
    }
    expect(result.images.find((r) => r.file === 'sklearn-flower.png')?.top[0].name).toBe('daisy');
  });
});
