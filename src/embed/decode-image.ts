import { readFile, stat } from 'node:fs/promises';
import sharp, { type Metadata } from 'sharp';
import { measureImage, type ImageMeasures } from '../health/measures';
import type { Measurer } from '../health/off-thread-measures';
import type { ResolvedModelConfig } from './model-config';

/**
 * Refuses images above 100 megapixels before decoding them: more than any camera's still, and a header that claims
 * more is almost always a decompression bomb (a few KB that would expand to gigabytes of pixels).
 */
export const DEFAULT_PIXEL_LIMIT = 100_000_000;

/**
 * What transparent pixels become: white. Encoders leave arbitrary colours under fully transparent pixels (icons,
 * logos and cut-outs often hold junk there), and dropping alpha would hand that junk to the model at its own size,
 * or a near-black halo after a resize (premultiplied resampling). Compositing onto one fixed colour makes the pixels
 * the model sees the ones a person sees; white because transparent images are made to be shown on a light page and
 * ImageNet's product shots sit on white (white and black measured within about 2 points of each other).
 */
export const ALPHA_BACKGROUND = { r: 255, g: 255, b: 255 } as const;

export interface DecodeOptions {
  width: number;
  height: number;
  resize: ResolvedModelConfig['resize'];
  /** How an image smaller than the input is enlarged (the model config's `enlarge`); `bicubic` when absent. */
  enlarge?: ResolvedModelConfig['enlarge'];
  /** Largest width × height accepted; see DEFAULT_PIXEL_LIMIT. */
  limitInputPixels: number;
  /** Also compute the dataset-health measures (hashes, sharpness, …) from the bytes read and the pixels decoded. */
  measure?: boolean;
  /** Where the measures are computed (a worker thread, see openMeasurer); in this thread when absent. */
  measurer?: Measurer;
  /** Only this rectangle of the (EXIF-oriented) image, in its pixels: an object crop (src/predictions/object-embeddings). */
  region?: { left: number; top: number; width: number; height: number };
}

export type DecodeOutcome =
  | { file: string; ok: true; /** width × height × 3 bytes, RGB, row-major. */ rgb: Buffer; measures?: ImageMeasures }
  | { file: string; ok: false; reason: string };

/**
 * Decodes one file into RGB bytes at the model's input size: EXIF orientation applied, transparency composited onto
 * ALPHA_BACKGROUND before resizing, grey and CMYK converted to sRGB, first frame of animations. JPEG and WebP are
 * shrunk while decoding (libjpeg DCT scaling), so a 24-megapixel photo never lands in memory at full size.
 * Never throws for a bad file: the outcome carries the reason instead.
 *
 * @example
 * await decodeImage('/data/a.jpg', 'a.jpg', { width: 224, height: 224, resize: 'fill', limitInputPixels: 1e8 });
 * // { file: 'a.jpg', ok: true, rgb: <Buffer … 150528 bytes> }
 * // { file: 'b.jpg', ok: false, reason: 'corrupt or truncated image (VipsJpeg: premature end of JPEG image)' }
 */
export async function decodeImage(absPath: string, file: string, options: DecodeOptions): Promise<DecodeOutcome> {
  try {
    const info = await stat(absPath);
    if (info.size === 0) return { file, ok: false, reason: 'empty file (0 bytes)' };
    // Measuring needs the bytes (content hash) and the original size: the file is read once into memory and both
    // the header and the pixels come from that buffer.
    const bytes = options.measure ? await readFile(absPath) : undefined;
    const image = sharp(bytes ?? absPath, { limitInputPixels: options.limitInputPixels, pages: 1 });
    // The header (a cheap read) is needed for the measures and to know whether a bilinear enlargement applies.
    const header = bytes || options.enlarge === 'bilinear' ? await image.metadata() : undefined;
    const oriented = image.rotate();
    if (options.region !== undefined) oriented.extract(options.region);
    const { data, info: out } = await oriented
      .flatten({ background: ALPHA_BACKGROUND })
      .toColourspace('srgb')
      .resize(options.width, options.height, {
        fit: options.resize === 'fill' ? 'fill' : 'cover',
        position: 'centre',
        // libvips enlarges with the interpolator of the kernel: bilinear for `linear`, bicubic for the default
        // Lanczos-3, which still reduces larger images.
        kernel: options.enlarge === 'bilinear' && header !== undefined && isEnlarged(sourceSize(header, options.region), options) ? 'linear' : 'lanczos3',
      })
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (out.channels !== 3 || out.width !== options.width || out.height !== options.height) {
      return { file, ok: false, reason: `decoded to ${out.width}×${out.height}×${out.channels}, expected RGB` };
    }
    if (bytes === undefined || header === undefined) return { file, ok: true, rgb: data };
    const { width, height } = sourceSize(header, undefined, out);
    const measureInput = { fileName: file, bytes, rgb: data, rgbWidth: out.width, rgbHeight: out.height, width, height };
    const measures = options.measurer ? await options.measurer.measure(measureInput) : measureImage(measureInput);
    return { file, ok: true, rgb: data, measures };
  } catch (error) {
    return { file, ok: false, reason: await explainDecodeError(absPath, error as Error & { code?: string }, options) };
  }
}

/** The picture's size as shown: EXIF orientations 5–8 are quarter turns (the width is the stored height); a region's own. */
function sourceSize(
  header: Metadata,
  region: DecodeOptions['region'],
  fallback: { width: number; height: number } = { width: 0, height: 0 },
): { width: number; height: number } {
  if (region !== undefined) return region;
  const turned = (header.orientation ?? 1) >= 5;
  return {
    width: (turned ? header.height : header.width) ?? fallback.width,
    height: (turned ? header.width : header.height) ?? fallback.height,
  };
}

/**
 * Whether the resize only enlarges: `fill` scales each axis on its own, so both must grow (a mixed resize, one axis
 * shrunk, keeps Lanczos-3 for the shrinking); `center-crop` scales both axes by the larger factor.
 */
function isEnlarged(source: { width: number; height: number }, target: Pick<DecodeOptions, 'width' | 'height' | 'resize'>): boolean {
  if (source.width <= 0 || source.height <= 0) return false;
  const sx = target.width / source.width;
  const sy = target.height / source.height;
  return target.resize === 'fill' ? sx >= 1 && sy >= 1 && (sx > 1 || sy > 1) : Math.max(sx, sy) > 1;
}

/** Why a file could not be decoded, in words (shared with the detector's own decode in src/predictions). */
export async function explainDecodeError(absPath: string, error: Error & { code?: string }, options: Pick<DecodeOptions, 'limitInputPixels'>): Promise<string> {
  const message = error.message;
  if (error.code === 'ENOENT') return 'file not found';
  if (error.code === 'EACCES' || error.code === 'EPERM') return 'permission denied';
  if (error.code === 'EISDIR') return 'is a directory';
  if (/exceeds pixel limit/i.test(message)) {
    // Reading the header alone is safe even for a bomb; it tells the user what the file claims to be.
    const meta = await sharp(absPath, { limitInputPixels: false })
      .metadata()
      .catch(() => undefined);
    const size = meta?.width && meta.height ? `${meta.width}×${meta.height} ` : '';
    return `image too large: ${size}exceeds the ${options.limitInputPixels.toLocaleString('en-US')}-pixel limit (possible decompression bomb)`;
  }
  if (/extract_area|bad extract area/i.test(message)) return 'the region lies outside the image';
  if (/unsupported image format/i.test(message)) return 'not a supported image (unrecognised or unsupported format)';
  // With several decodes in flight libvips sometimes loses the decoder's own warning text and reports only this.
  if (/warning treated as error/i.test(message)) return 'corrupt or truncated image (the decoder reported damaged data)';
  if (/premature end|truncated|corrupt|invalid|bad |read error|not a|damaged|unexpected end/i.test(message)) {
    return `corrupt or truncated image (${firstLine(message)})`;
  }
  return `decode failed (${firstLine(message)})`;
}

function firstLine(message: string): string {
  return message.split('\n')[0].trim();
}

/**
 * Converts one decoded image into the model's float input at `offset`: `(byte × scale − mean) / std` per channel,
 * interleaved for NHWC or planar for NCHW.
 */
export function writePixels(rgb: Uint8Array, target: Float32Array, offset: number, config: ResolvedModelConfig): void {
  const { scale, mean, std } = config;
  const pixels = config.width * config.height;
  // Per-channel constants in locals so the loop is one multiply-add per value (this runs on the main thread,
  // between inference batches, so its cost is not hidden).
  const m0 = scale / std[0];
  const m1 = scale / std[1];
  const m2 = scale / std[2];
  const a0 = -mean[0] / std[0];
  const a1 = -mean[1] / std[1];
  const a2 = -mean[2] / std[2];
  if (config.layout === 'NHWC') {
    for (let i = 0, o = offset; i < pixels * 3; i += 3, o += 3) {
      target[o] = rgb[i] * m0 + a0;
      target[o + 1] = rgb[i + 1] * m1 + a1;
      target[o + 2] = rgb[i + 2] * m2 + a2;
    }
  } else {
    const g = offset + pixels;
    const b = offset + 2 * pixels;
    for (let p = 0, i = 0; p < pixels; p++, i += 3) {
      target[offset + p] = rgb[i] * m0 + a0;
      target[g + p] = rgb[i + 1] * m1 + a1;
      target[b + p] = rgb[i + 2] * m2 + a2;
    }
  }
}
