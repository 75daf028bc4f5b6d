import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './images';

// The cache must land in a temp folder for this file; set before the module reads it.
let cacheDir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir: cacheDir, cleanup } = await tempDir('winnow-model-cache-'));
  process.env.WINNOW_CACHE_DIR = cacheDir;
});
afterAll(async () => {
  delete process.env.WINNOW_CACHE_DIR;
  await cleanup();
});

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * The bytes Winnow's converter makes from nsfwjs 4.3.0's MobileNetV2. Pinned so a change in the converter, onnx-proto
 * or the weights shows up here (then bump CONVERTER_VERSION in nsfwjs-mobilenet.ts and update this hash).
 */
const EXPECTED_SHA256 = '2b226540bd20cb148c88aca5a2601115e185b325d9edd76c4ad2aee561f0c8fa';

describe('built-in model nsfwjs-mobilenet_v2 (the earlier default)', () => {
  it('converts deterministically to the same ONNX bytes', async () => {
    const { convertNsfwjsModel } = await import('../../src/embed/nsfwjs-mobilenet');
    const first = await convertNsfwjsModel();
    const second = await convertNsfwjsModel();
    expect(sha256(first)).toBe(sha256(second));
    expect(sha256(first)).toBe(EXPECTED_SHA256);
  });

  it('caches the converted file under the cache folder, keyed by a hash, and reuses it', async () => {
    const { nsfwjsModelPath, nsfwjsModelId, modelCacheDir } = await import('../../src/embed/nsfwjs-mobilenet');
    const file = await nsfwjsModelPath();
    expect(path.dirname(file)).toBe(path.join(cacheDir, 'models'));
    expect(modelCacheDir()).toBe(path.join(cacheDir, 'models'));
    expect(path.basename(file)).toMatch(/^nsfwjs-mobilenet_v2-[0-9a-f]{16}\.onnx$/);
    expect(sha256(await readFile(file))).toBe(EXPECTED_SHA256);
    const key = path.basename(file).slice('nsfwjs-mobilenet_v2-'.length, -'.onnx'.length);
    expect(await nsfwjsModelId()).toBe(`nsfwjs-mobilenet_v2@${key}`);
    const before = (await stat(file)).mtimeMs;
    expect(await nsfwjsModelPath()).toBe(file);
    expect((await stat(file)).mtimeMs).toBe(before);
  });
});
