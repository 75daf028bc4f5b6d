import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { InvalidConfigError, WinnowError } from '../errors';
import { measureProgress, type ProgressCallback } from '../progress';
import { contentTypeOf } from './content-type';
import { readImageMetadata, type ImageMetadata } from './image-metadata';
import { createKeyFilter, safeLocalPath, STATE_DIR } from './key-paths';
import { listS3Objects } from './list-objects';
import { walkFiles } from './local-files';
import { classifyS3Error, describeS3Error, toStepError, withS3Retry, type RetryOptions } from './s3-errors';
import { createS3Client, describeEndpoint, folderPrefix, parseS3Uri, type S3Settings } from './s3-settings';
import type { KeyProblem } from './sync-result';
import { createThumbnail, DEFAULT_THUMBNAIL_SUFFIX, thumbnailName, type ThumbnailOptions } from './thumbnails';
import { runPool } from './transfer-pool';

/**
 * Lightly's privacy modes: `full` sends images and thumbnails, `thumbnails` only thumbnails, `metadata` only
 * names, sizes, dimensions and EXIF fields (no pixel leaves where the images are).
 */
export type UploadMode = 'full' | 'thumbnails' | 'metadata';
export const UPLOAD_MODES: readonly UploadMode[] = ['full', 'thumbnails', 'metadata'];

/**
 * Where uploaded images and thumbnails go: the platform's storage folder, an S3 bucket, or anything else that can
 * store a named blob. This is the port the platform implements or picks an adapter for.
 */
export interface ImageSink {
  /** For messages, e.g. `folder /var/winnow/datasets/7` or `s3://bucket/prefix/`; never contains a secret. */
  readonly description: string;
  put(name: string, body: Buffer, contentType: string, signal?: AbortSignal): Promise<void>;
  /** Releases connections; optional. */
  close?(): void;
}

/** A single image to take: a local file, or bytes already in memory. */
export interface ImageInput {
  /** The name it has in the dataset (`cows/001.jpg`), `/`-separated. */
  fileName: string;
  path?: string;
  data?: Buffer;
}

/** Where the images are: a folder, an S3 prefix, or a list the caller already has. */
export type ImageSource =
  | { dir: string; include?: string[]; exclude?: string[] }
  | { s3: S3Settings; uri: string; include?: string[]; exclude?: string[] }
  | { images: Iterable<ImageInput> | AsyncIterable<ImageInput> };

/** What the platform records per image (its sample), in Lightly's SampleCreateRequest spirit. */
export interface UploadedSample extends ImageMetadata {
  /** Set in `full` and `thumbnails` modes. */
  thumbName?: string;
}

export interface UploadForModeOptions {
  mode: UploadMode;
  source: ImageSource;
  /** Required for `full` and `thumbnails`; ignored (never called) in `metadata` mode. */
  sink?: ImageSink;
  thumbnail?: ThumbnailOptions & { suffix?: string };
  /** Images in flight (default 4: thumbnailing is CPU work and libvips already uses every core). */
  concurrency?: number;
  retry?: RetryOptions;
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
}

/**
 * @example
 * { mode: 'thumbnails', samples: [{ fileName: 'cows/001.jpg', thumbName: 'cows/001_thumb.webp', sizeInBytes: 48213,
 *   width: 640, height: 480, channels: 3, format: 'jpeg', hasAlpha: false, exif: {} }],
 *   uploaded: { images: 0, thumbnails: 1 }, bytes: 6120, failed: [], seconds: 0.4 }
 */
export interface UploadForModeResult {
  mode: UploadMode;
  /** In the order images finished; one per image that was read. */
  samples: UploadedSample[];
  uploaded: { images: number; thumbnails: number };
  /** Bytes written to the sink. */
  bytes: number;
  /** Images that could not be read or stored (corrupt file, sink refused), with the reason. */
  failed: KeyProblem[];
  seconds: number;
}

// In metadata mode only the head of an S3 object is fetched: image headers and EXIF sit in the first bytes
// (JPEG APP1 is capped at 64 KB); ICC profiles or XMP can push the frame header further, hence the margin.
const HEADER_BYTES = 256 * 1024;

/**
 * Prepares images for the platform in one of the three modes and hands images/thumbnails to `sink`:
 * - `full`: each image as is under its `fileName`, plus a WebP thumbnail under `thumbName`;
 * - `thumbnails`: only the thumbnail;
 * - `metadata`: nothing is stored; for S3 sources only each object's first bytes are read.
 * Every mode returns per-image metadata for the platform's samples.
 *
 * @example
 * await uploadForMode({ mode: 'metadata', source: { s3, uri: 's3://datalake/farm/' } })
 * // → { mode: 'metadata', samples: [{ fileName: 'cow-001.jpg', sizeInBytes: 48213, width: 640, height: 480, … }], … }
 */
export async function uploadForMode(options: UploadForModeOptions): Promise<UploadForModeResult> {
  const started = Date.now();
  if (!UPLOAD_MODES.includes(options.mode)) throw new InvalidConfigError(`unknown upload mode ${JSON.stringify(options.mode)}; use full, thumbnails or metadata`);
  if (options.mode !== 'metadata' && !options.sink) throw new InvalidConfigError(`upload mode ${options.mode} needs a sink (platform storage folder or S3 bucket)`);
  const suffix = options.thumbnail?.suffix ?? DEFAULT_THUMBNAIL_SUFFIX;
  const result: UploadForModeResult = { mode: options.mode, samples: [], uploaded: { images: 0, thumbnails: 0 }, bytes: 0, failed: [], seconds: 0 };
  const source = openSource(options.source, options.mode === 'metadata', options.retry, options.signal);
  let lastReport = 0;

  const handle = async (item: LoadableImage) => {
    try {
      const loaded = await item.load();
      const metadata = await readImageMetadata(loaded.data, item.fileName, loaded.sizeInBytes);
      const sample: UploadedSample = { ...metadata };
      if (options.mode !== 'metadata' && options.sink) {
        const thumbName = thumbnailName(item.fileName, suffix);
        const thumb = await createThumbnail(loaded.data, options.thumbnail);
        await options.sink.put(thumbName, thumb.data, 'image/webp', options.signal);
        result.uploaded.thumbnails++;
        result.bytes += thumb.data.length;
        if (options.mode === 'full') {
          await options.sink.put(item.fileName, loaded.data, contentTypeOf(item.fileName), options.signal);
          result.uploaded.images++;
          result.bytes += loaded.data.length;
        }
        sample.thumbName = thumbName;
      }
      result.samples.push(sample);
    } catch (error) {
      if (options.signal?.aborted) throw error;
      if (error instanceof WinnowError && error.code === 'S3_ACCESS_DENIED') throw error;
      result.failed.push({ key: item.fileName, reason: error instanceof WinnowError ? error.message : describeS3Error(error) });
    } finally {
      const now = Date.now();
      if (now - lastReport >= 250) {
        lastReport = now;
        options.onProgress?.(measureProgress(result.samples.length + result.failed.length, undefined, started, now));
      }
    }
  };

  try {
    await runPool(source.images, options.concurrency ?? 4, handle, options.signal);
  } finally {
    source.close();
  }
  result.seconds = (Date.now() - started) / 1000;
  options.onProgress?.(measureProgress(result.samples.length + result.failed.length, result.samples.length + result.failed.length, started));
  return result;
}

interface LoadableImage {
  fileName: string;
  load(): Promise<{ data: Buffer; sizeInBytes?: number }>;
}

function openSource(source: ImageSource, headerOnly: boolean, retry: RetryOptions | undefined, signal: AbortSignal | undefined): { images: AsyncIterable<LoadableImage>; close(): void } {
  if ('images' in source) {
    return {
      images: (async function* () {
        for await (const image of source.images) {
          yield {
            fileName: image.fileName,
            load: async () => {
              if (image.data) return { data: image.data };
              if (!image.path) throw new InvalidConfigError(`image ${image.fileName} has neither data nor path`);
              return { data: await readFile(image.path) };
            },
          };
        }
      })(),
      close: () => undefined,
    };
  }
  if ('dir' in source) {
    const keep = createKeyFilter({ include: source.include, exclude: source.exclude, imagesOnly: true });
    return {
      images: (async function* () {
        for await (const relative of walkFiles(source.dir)) {
          if (keep(relative)) yield { fileName: relative, load: async () => ({ data: await readFile(path.join(source.dir, relative)) }) };
        }
      })(),
      close: () => undefined,
    };
  }
  const { bucket, prefix: raw } = parseS3Uri(source.uri);
  const prefix = folderPrefix(raw);
  const client = createS3Client(source.s3);
  const where = `s3://${bucket}/${prefix} at ${describeEndpoint(source.s3)}`;
  const keep = createKeyFilter({ include: source.include, exclude: source.exclude, imagesOnly: true });
  return {
    images: (async function* () {
      try {
        for await (const object of listS3Objects({ client, bucket, prefix, retry, signal })) {
          const relative = object.key.slice(prefix.length);
          if (relative === '' || !keep(relative)) continue;
          yield {
            fileName: relative,
            load: async () => {
              if (headerOnly && object.size > HEADER_BYTES) {
                const head = await getObjectBytes(client, bucket, object.key, `bytes=0-${HEADER_BYTES - 1}`, retry, signal);
                // A header that does not fit the first bytes (rare) falls back to the whole object.
                const readable = await readImageMetadata(head, relative, object.size).then(() => true, () => false);
                if (readable) return { data: head, sizeInBytes: object.size };
              }
              return { data: await getObjectBytes(client, bucket, object.key, undefined, retry, signal), sizeInBytes: object.size };
            },
          };
        }
      } catch (error) {
        throw toStepError(error, 'listing', where, bucket);
      }
    })(),
    close: () => client.destroy(),
  };
}

async function getObjectBytes(client: S3Client, bucket: string, key: string, range: string | undefined, retry: RetryOptions | undefined, signal: AbortSignal | undefined): Promise<Buffer> {
  return withS3Retry(async () => {
    const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: range }), { abortSignal: signal });
    return Buffer.from((await response.Body?.transformToByteArray()) ?? []);
  }, { ...retry, signal });
}

/**
 * A sink that writes into a local folder (the platform's storage folder), atomically, refusing names that would
 * leave the folder.
 *
 * @example createFolderSink('/var/winnow/storage/ds-7').put('cows/001_thumb.webp', data, 'image/webp')
 */
export function createFolderSink(dir: string): ImageSink {
  const root = path.resolve(dir);
  return {
    description: `folder ${root}`,
    async put(name, body) {
      const target = safeLocalPath(root, name);
      if (!target.ok) throw new InvalidConfigError(`refused to store ${JSON.stringify(name)}: ${target.reason}`, 'UNSAFE_FILE_NAME');
      const temp = path.join(root, STATE_DIR, 'tmp', `${randomBytes(8).toString('hex')}.part`);
      await mkdir(path.dirname(temp), { recursive: true });
      await mkdir(path.dirname(target.path), { recursive: true });
      try {
        await writeFile(temp, body);
        await rename(temp, target.path);
      } catch (error) {
        await rm(temp, { force: true });
        throw error;
      }
    },
  };
}

/**
 * A sink that puts objects under `s3://bucket/prefix/`, each PUT carrying Content-MD5 and retried on transient faults.
 * Refused credentials stop the whole upload (WinnowError `S3_ACCESS_DENIED`) instead of failing every image.
 */
export function createS3Sink(s3: S3Settings, uri: string, retry?: RetryOptions): ImageSink {
  const { bucket, prefix: raw } = parseS3Uri(uri);
  const prefix = folderPrefix(raw);
  const client = createS3Client(s3);
  const where = `s3://${bucket}/${prefix} at ${describeEndpoint(s3)}`;
  return {
    description: `s3://${bucket}/${prefix}`,
    async put(name, body, contentType, signal) {
      const md5 = createHash('md5').update(body).digest('base64');
      try {
        await withS3Retry(
          () => client.send(new PutObjectCommand({ Bucket: bucket, Key: prefix + name, Body: body, ContentType: contentType, ContentMD5: md5 }), { abortSignal: signal }),
          { ...retry, signal },
        );
      } catch (error) {
        if (classifyS3Error(error) === 'denied') throw toStepError(error, 'upload to', where, bucket);
        throw error;
      }
    },
    close: () => client.destroy(),
  };
}
