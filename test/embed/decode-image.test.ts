import path from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage, DEFAULT_PIXEL_LIMIT, writePixels, type DecodeOptions } from '../../src/embed/decode-image';
import { resolveModelConfig } from '../../src/embed/model-config';
import { noisy, scene, tempDir, writeBadFiles, writeImage } from './images';

const options: DecodeOptions = { width: 32, height: 32, resize: 'fill', limitInputPixels: DEFAULT_PIXEL_LIMIT };
let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterAll(() => cleanup());

describe('decodeImage', () => {
  it('decodes every supported format to RGB bytes at the model size', async () => {
    const formats: Array<[string, (s: Sharp) => Sharp]> = [
      ['a.jpg', (s) => s.jpeg()],
      ['a.png', (s) => s.png()],
      ['a.webp', (s) => s.webp()],
      ['a.tiff', (s) => s.tiff()],
      ['a.gif', (s) => s.gif()],
      ['a.avif', (s) => s.avif({ effort: 0 })],
    ];
    for (const [name, encode] of formats) {
      await writeImage(path.join(dir, name), encode(noisy(3, 64, 48)));
      const outcome = await decodeImage(path.join(dir, name), name, options);
      expect(outcome, name).toMatchObject({ ok: true, file: name });
      if (outcome.ok) expect(outcome.rgb.length).toBe(32 * 32 * 3);
    }
  });

  it('composites alpha and expands greyscale to three channels', async () => {
    await writeImage(path.join(dir, 'alpha.png'), noisy(4, 40, 40).ensureAlpha(0.5).png());
    await writeImage(path.join(dir, 'grey.png'), noisy(5, 40, 40).greyscale().png());
    for (const name of ['alpha.png', 'grey.png']) {
      const outcome = await decodeImage(path.join(dir, name), name, options);
      expect(outcome.ok, name).toBe(true);
      if (outcome.ok) expect(outcome.rgb.length).toBe(32 * 32 * 3);
    }
  });

  /**
   * An RGBA image whose fully transparent pixels hold `junk` (what encoders of icons and cut-outs leave there): the
   * left half is transparent, the right half an opaque colour.
   */
  function halfTransparent(width: number, height: number, junk: (x: number, y: number) => [number, number, number]): Sharp {
    const rgba = Buffer.alloc(width * height * 4);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = (y * width + x) * 4;
        const transparent = x < width / 2;
        const [r, g, b] = transparent ? junk(x, y) : [20, 120, 200];
        rgba.set([r, g, b, transparent ? 0 : 255], i);
      }
    }
    return sharp(rgba, { raw: { width, height, channels: 4 } });
  }

  for (const [label, width, height] of [
    ['at the model size', 32, 32],
    ['resized from another size', 96, 72],
  ] as const) {
    it(`composites transparent pixels onto white whatever junk they hold, ${label}`, async () => {
      const junkA = (x: number, y: number): [number, number, number] => [(x * 37) % 256, (y * 91) % 256, ((x + y) * 53) % 256];
      const junkB = (): [number, number, number] => [0, 0, 0];
      const junkC = (x: number): [number, number, number] => [255, x % 2 ? 255 : 0, 0];
      for (const format of ['png', 'webp'] as const) {
        const decoded: Buffer[] = [];
        for (const [i, junk] of [junkA, junkB, junkC].entries()) {
          const name = `junk-${width}-${i}.${format}`;
          const image = halfTransparent(width, height, junk);
          await writeImage(path.join(dir, name), format === 'png' ? image.png() : image.webp({ lossless: true, exact: true }));
          const outcome = await decodeImage(path.join(dir, name), name, options);
          if (!outcome.ok) throw new Error(outcome.reason);
          decoded.push(outcome.rgb);
        }
        // The junk never reaches the model: the variants of one file format decode to the same bytes.
        for (const rgb of decoded) expect(rgb.equals(decoded[0]), format).toBe(true);
        const at = (x: number, y: number) => Array.from(decoded[0].subarray((y * 32 + x) * 3, (y * 32 + x) * 3 + 3));
        expect(at(2, 16), format).toEqual([255, 255, 255]);
        at(29, 16).forEach((value, c) => expect(Math.abs(value - [20, 120, 200][c]), format).toBeLessThanOrEqual(2));
      }
    });
  }

  it('applies EXIF orientation', async () => {
    // Left half red, right half blue; stored rotated with orientation 6 (display = rotate 90° clockwise).
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="32"><rect width="32" height="32" fill="red"/><rect x="32" width="32" height="32" fill="blue"/></svg>`;
    await writeImage(path.join(dir, 'exif.jpg'), sharp(Buffer.from(svg)).jpeg().withMetadata({ orientation: 6 }));
    const outcome = await decodeImage(path.join(dir, 'exif.jpg'), 'exif.jpg', { ...options, width: 16, height: 32 });
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    const at = (x: number, y: number) => Array.from(outcome.rgb.subarray((y * 16 + x) * 3, (y * 16 + x) * 3 + 3));
    // After rotating 90° clockwise, the red (left) half is on top and blue at the bottom.
    expect(at(8, 4)[0]).toBeGreaterThan(200);
    expect(at(8, 4)[2]).toBeLessThan(60);
    expect(at(8, 28)[2]).toBeGreaterThan(200);
    expect(at(8, 28)[0]).toBeLessThan(60);
  });

  it('center-crops when asked, keeping the middle of a wide image', async () => {
    // Wide image: green in the middle third, black on the sides.
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="96" height="32"><rect width="96" height="32" fill="black"/><rect x="32" width="32" height="32" fill="lime"/></svg>`;
    await writeImage(path.join(dir, 'wide.png'), sharp(Buffer.from(svg)).png());
    const crop = await decodeImage(path.join(dir, 'wide.png'), 'wide.png', { ...options, resize: 'center-crop' });
    const fill = await decodeImage(path.join(dir, 'wide.png'), 'wide.png', options);
    if (!crop.ok || !fill.ok) throw new Error('decode failed');
    expect(crop.rgb[(16 * 32 + 1) * 3 + 1]).toBeGreaterThan(200); // left edge still green
    expect(fill.rgb[(16 * 32 + 1) * 3 + 1]).toBeLessThan(40); // stretched: left edge black
  });

  /** A grey image whose left half is 64 and right half 192: a hard edge, as a digit's stroke or an icon's outline. */
  function step(width: number, height: number): Sharp {
    const grey = Buffer.alloc(width * height);
    for (let i = 0; i < grey.length; i++) grey[i] = i % width < width / 2 ? 64 : 192;
    return sharp(grey, { raw: { width, height, channels: 1 } });
  }

  it('enlarges bilinearly when asked: no rings around a hard edge, and larger images are reduced as before', async () => {
    await writeImage(path.join(dir, 'step-small.png'), step(8, 8).png());
    await writeImage(path.join(dir, 'step-large.png'), step(96, 96).png());
    const decode = (name: string, enlarge?: DecodeOptions['enlarge'], extra: Partial<DecodeOptions> = {}) =>
      decodeImage(path.join(dir, name), name, { ...options, enlarge, ...extra }).then((o) => {
        if (!o.ok) throw new Error(o.reason);
        return o.rgb;
      });
    const range = (rgb: Buffer) => [Math.min(...rgb), Math.max(...rgb)];
    // Bicubic (the default) overshoots on both sides of the edge; bilinear stays within the two greys and is what
    // sharp's own `linear` kernel gives.
    const [bicubicMin, bicubicMax] = range(await decode('step-small.png'));
    expect(bicubicMin).toBeLessThan(64);
    expect(bicubicMax).toBeGreaterThan(192);
    const bilinear = await decode('step-small.png', 'bilinear');
    expect(range(bilinear)).toEqual([64, 192]);
    const linear = await sharp(path.join(dir, 'step-small.png')).toColourspace('srgb').resize(32, 32, { fit: 'fill', kernel: 'linear' }).raw().toBuffer();
    expect(bilinear.equals(linear)).toBe(true);
    // Reduced (96 → 32) or the centre crop of a larger image: the same bytes whatever `enlarge` says.
    expect((await decode('step-large.png', 'bilinear')).equals(await decode('step-large.png'))).toBe(true);
    expect((await decode('step-large.png', 'bilinear', { resize: 'center-crop' })).equals(await decode('step-large.png', undefined, { resize: 'center-crop' }))).toBe(true);
    // A region of a larger image that is itself smaller than the input is enlarged.
    const region = { left: 44, top: 44, width: 8, height: 8 };
    expect(range(await decode('step-large.png', 'bilinear', { region }))).toEqual([64, 192]);
  });

  it('reports each bad file kind with its reason and never throws', async () => {
    const expected = await writeBadFiles(path.join(dir, 'bad'));
    for (const [name, reason] of Object.entries(expected)) {
      if (name.endsWith('.bmpx')) continue; // filtered by extension before decoding (see embed-images tests)
      const outcome = await decodeImage(path.join(dir, 'bad', name), name, options);
      expect(outcome.ok, name).toBe(false);
      if (!outcome.ok) expect(outcome.reason, name).toMatch(reason);
    }
    const missing = await decodeImage(path.join(dir, 'nope.jpg'), 'nope.jpg', options);
    expect(missing).toEqual({ file: 'nope.jpg', ok: false, reason: 'file not found' });
  });

  it('honours a lower pixel limit', async () => {
    await writeImage(path.join(dir, 'big.png'), scene('checker', 400, 300).png());
    const outcome = await decodeImage(path.join(dir, 'big.png'), 'big.png', { ...options, limitInputPixels: 100_000 });
    expect(outcome).toMatchObject({ ok: false, reason: expect.stringMatching(/^image too large: 400×300 exceeds the 100,000-pixel/) });
  });
});

describe('writePixels', () => {
  it('scales, normalises and lays out NHWC and NCHW', async () => {
    const rgb = Uint8Array.from([255, 0, 51, 0, 255, 102]); // two pixels
    const base = { size: [1, 2] as [number, number], scale: 1 / 255, mean: [0.5, 0.5, 0.5] as [number, number, number], std: [0.5, 0.5, 0.5] as [number, number, number] };
    const nhwc = await resolveModelConfig({ ...base, layout: 'NHWC' });
    const nchw = await resolveModelConfig({ ...base, layout: 'NCHW' });
    const a = new Float32Array(7);
    writePixels(rgb, a, 1, nhwc);
    expect(Array.from(a.subarray(1)).map((v) => +v.toFixed(3))).toEqual([1, -1, -0.6, -1, 1, -0.2]);
    const b = new Float32Array(6);
    writePixels(rgb, b, 0, nchw);
    expect(Array.from(b).map((v) => +v.toFixed(3))).toEqual([1, -1, -1, 1, -0.6, -0.2]);
  });
});
