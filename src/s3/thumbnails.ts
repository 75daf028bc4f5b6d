import path from 'node:path';
import { InvalidConfigError, InvalidInputError } from '../errors';
import { loadSharp } from './load-sharp';

export interface ThumbnailOptions {
  /** Longest side in pixels (default 256); smaller images are not enlarged. */
  size?: number;
  /** WebP quality 1–100 (default 80). */
  quality?: number;
}

export interface Thumbnail {
  data: Buffer;
  width: number;
  height: number;
  format: 'webp';
}

/** Lightly's default: `cows/001.jpg` → `cows/001_thumb.webp`. */
export const DEFAULT_THUMBNAIL_SUFFIX = '_thumb.webp';

/**
 * Makes a WebP thumbnail that fits in `size`×`size`, turned upright by its EXIF orientation.
 *
 * @example await createThumbnail('cows/001.jpg', { size: 256 }) // → { data: <Buffer 52 49 46 46 …>, width: 256, height: 192, format: 'webp' }
 * @throws InvalidInputError when the input is not a readable image.
 */
export async function createThumbnail(image: string | Buffer, options: ThumbnailOptions = {}): Promise<Thumbnail> {
  const size = options.size ?? 256;
  const quality = options.quality ?? 80;
  if (!Number.isInteger(size) || size < 8 || size > 4096) throw new InvalidConfigError(`thumbnail size must be an integer from 8 to 4096, got ${size}`);
  if (!Number.isInteger(quality) || quality < 1 || quality > 100) throw new InvalidConfigError(`thumbnail quality must be an integer from 1 to 100, got ${quality}`);
  // Outside the try: a sharp that cannot load is the host's problem, not a bad image.
  const sharp = loadSharp();
  try {
    const { data, info } = await sharp(image)
      .rotate()
      .resize(size, size, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality })
      .toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height, format: 'webp' };
  } catch (error) {
    const file = typeof image === 'string' ? image : '(buffer)';
    throw new InvalidInputError({ file }, `cannot make a thumbnail: ${error instanceof Error ? error.message : String(error)}`, 'INVALID_IMAGE');
  }
}

/**
 * The thumbnail's name for an image. A plain suffix replaces the extension; a Lightly-style template with
 * `[filename]` (name without extension) and `[extension]` (here always `webp`) is resolved next to the image.
 *
 * @example thumbnailName('cows/001.jpg') // → 'cows/001_thumb.webp'
 * @example thumbnailName('cows/001.jpg', '.lightly/thumbnails/[filename]_thumb.[extension]') // → 'cows/.lightly/thumbnails/001_thumb.webp'
 */
export function thumbnailName(fileName: string, suffix: string = DEFAULT_THUMBNAIL_SUFFIX): string {
  const dir = path.posix.dirname(fileName);
  const stem = path.posix.basename(fileName, path.posix.extname(fileName));
  const name = suffix.includes('[filename]') ? suffix.replaceAll('[filename]', stem).replaceAll('[extension]', 'webp') : `${stem}${suffix}`;
  return dir === '.' ? name : `${dir}/${name}`;
}
