import exifReader from 'exif-reader';
import { InvalidInputError } from '../errors';
import { loadSharp } from './load-sharp';

/** The EXIF fields worth showing and filtering on; absent when the image has none. */
export interface ExifSummary {
  make?: string;
  model?: string;
  lensModel?: string;
  software?: string;
  /** ISO 8601, as written by the camera (no time zone unless the camera stored one). */
  dateTimeOriginal?: string;
  exposureTimeSeconds?: number;
  fNumber?: number;
  iso?: number;
  focalLengthMm?: number;
  gpsLatitude?: number;
  gpsLongitude?: number;
}

/**
 * Metadata of one image: everything the `metadata` upload mode sends, and no pixel.
 *
 * @example
 * { fileName: 'cows/001.jpg', sizeInBytes: 48213, width: 640, height: 480, channels: 3, format: 'jpeg',
 *   hasAlpha: false, orientation: 1, exif: { make: 'Canon', model: 'EOS 5D', dateTimeOriginal: '2026-05-01T10:12:00.000Z' } }
 */
export interface ImageMetadata {
  fileName: string;
  sizeInBytes: number;
  /** Stored pixel size; with orientation 5–8 the displayed image is rotated (height × width). */
  width: number;
  height: number;
  channels: number;
  format: string;
  hasAlpha: boolean;
  orientation?: number;
  exif: ExifSummary;
}

/**
 * Reads an image's header (sharp/libvips decode no pixels for this) and its EXIF block.
 * `sizeInBytes` defaults to the buffer's length; pass the object's real size when only its head was read.
 *
 * @throws InvalidInputError when the data is not an image sharp can read.
 */
export async function readImageMetadata(input: string | Buffer, fileName: string, sizeInBytes?: number): Promise<ImageMetadata> {
  const sharp = loadSharp();
  let meta: Awaited<ReturnType<ReturnType<typeof sharp>['metadata']>>;
  try {
    meta = await sharp(input).metadata();
  } catch (error) {
    throw new InvalidInputError({ file: fileName }, `not a readable image (${error instanceof Error ? error.message : String(error)})`, 'INVALID_IMAGE');
  }
  if (!meta.width || !meta.height || !meta.format) throw new InvalidInputError({ file: fileName }, 'image has no dimensions', 'INVALID_IMAGE');
  const size = sizeInBytes ?? (typeof input === 'string' ? meta.size : input.length);
  const result: ImageMetadata = {
    fileName,
    sizeInBytes: size ?? 0,
    width: meta.width,
    height: meta.height,
    channels: meta.channels ?? 0,
    format: meta.format,
    hasAlpha: meta.hasAlpha ?? false,
    exif: meta.exif ? summarizeExif(meta.exif) : {},
  };
  if (meta.orientation !== undefined) result.orientation = meta.orientation;
  return result;
}

/** Picks the common camera fields from a raw EXIF block; a malformed block yields `{}` rather than an error. */
export function summarizeExif(raw: Buffer): ExifSummary {
  let tags: ReturnType<typeof exifReader>;
  try {
    tags = exifReader(raw);
  } catch {
    return {};
  }
  const image = tags.Image ?? {};
  const photo = tags.Photo ?? {};
  const gps = tags.GPSInfo ?? {};
  const summary: ExifSummary = {};
  const text = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.replace(/\0+$/, '').trim() : undefined);
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  const set = <K extends keyof ExifSummary>(key: K, value: ExifSummary[K] | undefined) => {
    if (value !== undefined) summary[key] = value;
  };
  set('make', text(image.Make));
  set('model', text(image.Model));
  set('lensModel', text(photo.LensModel));
  set('software', text(image.Software));
  const taken = photo.DateTimeOriginal ?? image.DateTime;
  if (taken instanceof Date && !Number.isNaN(taken.getTime())) set('dateTimeOriginal', taken.toISOString());
  set('exposureTimeSeconds', num(photo.ExposureTime));
  set('fNumber', num(photo.FNumber));
  set('iso', num(Array.isArray(photo.ISOSpeedRatings) ? photo.ISOSpeedRatings[0] : photo.ISOSpeedRatings));
  set('focalLengthMm', num(photo.FocalLength));
  set('gpsLatitude', degrees(gps.GPSLatitude, gps.GPSLatitudeRef, 'S'));
  set('gpsLongitude', degrees(gps.GPSLongitude, gps.GPSLongitudeRef, 'W'));
  return summary;
}

function degrees(dms: unknown, ref: unknown, negative: string): number | undefined {
  if (!Array.isArray(dms) || dms.length !== 3 || !dms.every((v) => typeof v === 'number')) return undefined;
  const [d, m, s] = dms as number[];
  const value = d + m / 60 + s / 3600;
  return typeof ref === 'string' && ref.toUpperCase().startsWith(negative) ? -value : value;
}
