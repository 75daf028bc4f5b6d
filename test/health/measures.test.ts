import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../src/embed/decode-image';
import { hammingDistance, measureImage, toLightlyMetaData, fromLightlyMetaData } from '../../src/health/measures';

function image(w: number, h: number, pixel: (x: number, y: number) => [number, number, number]): Uint8Array {
  const rgb = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) rgb.set(pixel(x, y), (y * w + x) * 3);
  return rgb;
}

const measure = (rgb: Uint8Array, w = 32, h = 32) =>
  measureImage({ fileName: 'x.png', bytes: Buffer.from('abc'), rgb, rgbWidth: w, rgbHeight: h, width: 640, height: 480 });

describe('measureImage', () => {
  it('a flat grey image has no sharpness, no information, mid brightness and no colour', () => {
    const m = measure(image(32, 32, () => [128, 128, 128]));
    expect(m.sharpness).toBe(0);
    expect(m.entropy).toBe(0);
    expect(m.brightness).toBeCloseTo(128 / 255, 3);
    expect(m.contrast).toBe(0);
    expect(m.colourfulness).toBe(0);
    expect(m.uniformRowRatio).toBe(1);
    expect(m.darkFraction).toBe(0);
    expect(m.overexposedFraction).toBe(0);
    expect(m).toMatchObject({ width: 640, height: 480, aspectRatio: 1.33333, sizeInBytes: 3 });
    expect(m.sha256).toBe(createHash('sha256').update('abc').digest('hex'));
  });

  it('a checkerboard is sharp, a black frame dark, a white one over-exposed, a red one colourful', () => {
    const checker = measure(image(32, 32, (x, y) => ((x + y) % 2 === 0 ? [0, 0, 0] : [255, 255, 255])));
    expect(checker.sharpness).toBeGreaterThan(10_000);
    expect(checker.entropy).toBeCloseTo(1, 5);
    expect(measure(image(32, 32, () => [5, 5, 5])).darkFraction).toBe(1);
    expect(measure(image(32, 32, () => [250, 250, 250])).overexposedFraction).toBe(1);
    expect(measure(image(32, 32, () => [220, 20, 20])).colourfulness).toBeGreaterThan(50);
  });

  it('the same picture brightened a little keeps its difference hash within a few bits', () => {
    const base = image(64, 64, (x, y) => [x * 4, y * 4, (x * y) % 256]);
    const brighter = base.map((v) => Math.min(255, v + 10));
    expect(hammingDistance(measure(base, 64, 64).dHash, measure(brighter, 64, 64).dHash)).toBeLessThanOrEqual(4);
  });

  it('round-trips through the platform metaData in Lightly’s shape', () => {
    const m = measure(image(32, 32, (x) => [x * 8, 100, 50]));
    const meta = toLightlyMetaData(m);
    expect(meta).toMatchObject({ sharpness: m.sharpness, sizeInBytes: 3, shape: [480, 640, 3], mean: m.mean, std: m.std });
    expect(meta.luminance).toBeCloseTo(m.brightness * 100, 2);
    expect(fromLightlyMetaData('x.png', meta)).toEqual({ ...m, brightness: expect.closeTo(m.brightness, 4) });
    expect(fromLightlyMetaData('y.png', { sizeInBytes: 3 })).toBeUndefined();
  });
});

describe('decodeImage with measure', () => {
  it('hashes the bytes read, and gives one pixel hash to a JPEG and a PNG of its decoded pixels (decoded at full size: under twice the model size)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'winnow-measure-'));
    const raw = Buffer.from(image(48, 40, (x, y) => [(x * 3) % 256, (y * 4) % 256, (x * y) % 256]));
    const jpeg = path.join(dir, 'a.jpg');
    const png = path.join(dir, 'a.png');
    await sharp(raw, { raw: { width: 48, height: 40, channels: 3 } }).jpeg({ quality: 90 }).toFile(jpeg);
    await sharp(await sharp(jpeg).raw().toBuffer(), { raw: { width: 48, height: 40, channels: 3 } }).png().toFile(png);
    const options = { width: 32, height: 32, resize: 'fill' as const, limitInputPixels: 1e8, measure: true };
    const a = await decodeImage(jpeg, 'a.jpg', options);
    const b = await decodeImage(png, 'a.png', options);
    if (!a.ok || !b.ok) throw new Error('decode failed');
    expect(a.measures?.sha256).toBe(createHash('sha256').update(readFileSync(jpeg)).digest('hex'));
    expect(a.measures?.sha256).not.toBe(b.measures?.sha256);
    expect(a.measures?.pixelHash).toBe(b.measures?.pixelHash);
    expect(a.measures).toMatchObject({ width: 48, height: 40, sizeInBytes: readFileSync(jpeg).length });
    const plain = await decodeImage(jpeg, 'a.jpg', { ...options, measure: false });
    expect(plain.ok && plain.measures).toBeUndefined();
  });
});
