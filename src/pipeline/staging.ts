import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { classesOf, compareNames } from '../embed/image-files';
import { WinnowError } from '../errors';
import { measureProgress, type ProgressCallback } from '../progress';
import { folderPrefix, isImageKey, runPool, safeLocalPath, type ObjectStore } from '../s3';
import { safeSegment, shardFileName } from './plan';

/**
 * The files one pipeline run hands from step to step when its workers share no disk: an S3 staging prefix instead of
 * a work folder. Every worker keeps only scratch copies (the shard it embeds); the truth is here.
 *
 *     <prefix><dataset>/embeddings.csv                               every image embedded so far (incremental datapool)
 *     <prefix><dataset>/runs/<runKey>/classes.txt                    the dataset's class folders, in label order
 *     <prefix><dataset>/runs/<runKey>/lists/shard-000000.txt         the images of each shard, one name a line
 *     <prefix><dataset>/runs/<runKey>/shards/shard-000000/<offset>   a shard's CSV, as the parts each batch appended
 *     <prefix><dataset>/runs/<runKey>/samples/shard-000000.json      the platform's facts of the shard's images (size,
 *                                                                    dimensions, EXIF, thumbnail), read where they were
 *     <prefix><dataset>/runs/<runKey>/embeddings.csv                 the merged embeddings
 *     <prefix><dataset>/runs/<runKey>/selection.txt                  the selected file names
 *     <prefix><dataset>/runs/<runKey>/reports/shard-000000.skipped.json   images a shard could not embed, with reasons
 *
 * A shard's CSV grows by one object per batch (named by its byte offset), so a crashed attempt's rows survive on
 * another machine without re-uploading the whole file after every batch: the next attempt concatenates the parts
 * and continues, redoing at most the batch that was in flight.
 */
export class RunStaging {
  readonly datasetKey: string;
  readonly runKey: string;

  constructor(
    readonly store: ObjectStore,
    prefix: string,
    dataset: string,
    runKey: string,
  ) {
    this.datasetKey = `${folderPrefix(prefix)}${safeSegment(dataset)}/`;
    this.runKey = `${this.datasetKey}runs/${safeSegment(runKey)}/`;
  }

  get datapoolKey(): string {
    return `${this.datasetKey}embeddings.csv`;
  }
  get classesKey(): string {
    return `${this.runKey}classes.txt`;
  }
  get mergedKey(): string {
    return `${this.runKey}embeddings.csv`;
  }
  get selectionKey(): string {
    return `${this.runKey}selection.txt`;
  }
  shardListKey(index: number): string {
    return `${this.runKey}lists/${shardFileName(index).replace(/\.csv$/, '.txt')}`;
  }
  sampleFactsKey(index: number): string {
    return `${this.runKey}samples/${shardFileName(index).replace(/\.csv$/, '.json')}`;
  }
  skippedReportKey(index: number): string {
    return `${this.runKey}reports/${shardFileName(index).replace(/\.csv$/, '.skipped.json')}`;
  }
  shardPartsPrefix(index: number): string {
    return `${this.runKey}shards/${shardFileName(index).replace(/\.csv$/, '')}/`;
  }

  uri(key: string): string {
    return this.store.uri(key);
  }

  async putList(key: string, names: readonly string[], signal?: AbortSignal): Promise<void> {
    await this.store.put(key, names.length ? `${names.join('\n')}\n` : '', signal);
  }

  /** A list written by `putList`; a missing one is a broken run (its sync step never finished), not an empty list. */
  async getList(key: string, signal?: AbortSignal): Promise<string[]> {
    const body = await this.store.get(key, signal);
    if (body === undefined) throw new WinnowError(`staging file ${this.uri(key)} is missing; run the sync step again`, { code: 'STAGING_MISSING' });
    return body
      .toString('utf8')
      .split('\n')
      .filter((line) => line !== '');
  }

  /**
   * Rebuilds a shard's CSV in `localCsv` from its parts, replacing whatever the local file held (another attempt on
   * this machine may have flushed rows it never uploaded; only uploaded rows count). Returns the bytes kept, which is
   * where the next part starts. Parts must follow each other without a gap; anything after a gap is ignored.
   */
  async pullShard(index: number, localCsv: string, signal?: AbortSignal): Promise<number> {
    const parts: Array<{ key: string; offset: number; size: number }> = [];
    const prefix = this.shardPartsPrefix(index);
    for await (const object of this.store.list(prefix, signal)) {
      const offset = Number(object.key.slice(prefix.length));
      if (Number.isSafeInteger(offset)) parts.push({ key: object.key, offset, size: object.size });
    }
    parts.sort((a, b) => a.offset - b.offset);
    await mkdir(path.dirname(localCsv), { recursive: true });
    const temp = `${localCsv}.pull`;
    let length = 0;
    const out = createWriteStream(temp);
    try {
      for (const part of parts) {
        if (part.offset !== length) break;
        const body = await this.store.get(part.key, signal);
        if (body === undefined || body.length !== part.size) break;
        if (!out.write(body)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
        length += body.length;
      }
    } finally {
      await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
    }
    if (length === 0) {
      await rm(temp, { force: true });
      await rm(localCsv, { force: true });
    } else {
      await rename(temp, localCsv);
    }
    return length;
  }

  /**
   * Uploads what `localCsv` gained since `fromOffset` as the shard's next part and returns the new offset. Call it
   * after each flushed batch: parts then end on row boundaries, and a pull never sees a torn row.
   */
  async pushShardGrowth(index: number, localCsv: string, fromOffset: number, signal?: AbortSignal): Promise<number> {
    const { size } = await stat(localCsv);
    if (size <= fromOffset) return fromOffset;
    const file = await open(localCsv, 'r');
    let bytes: Buffer;
    try {
      bytes = Buffer.alloc(size - fromOffset);
      await file.read(bytes, 0, bytes.length, fromOffset);
    } finally {
      await file.close();
    }
    await this.store.put(`${this.shardPartsPrefix(index)}${String(fromOffset).padStart(16, '0')}`, bytes, signal);
    return size;
  }

  /** Downloads `key` to `file`; false when the object does not exist. */
  pull(key: string, file: string, signal?: AbortSignal): Promise<boolean> {
    return this.store.getToFile(key, file, signal);
  }

  push(key: string, file: string, signal?: AbortSignal): Promise<void> {
    return this.store.putFile(key, file, signal);
  }
}

export interface StageImageListOptions {
  /** The bucket the images are in. */
  source: ObjectStore;
  prefix?: string;
  staging: RunStaging;
  shardSize: number;
  /** Names already embedded (incremental runs); they are counted but not listed for embedding. */
  known?: ReadonlySet<string>;
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
}

/**
 * The sync step without a shared disk: lists the source's images (as `syncS3ToLocal` with `imagesOnly` would download
 * them, hidden folders left out as the embed step leaves them), writes the names to embed as one list per shard and
 * the dataset's class folders. Nothing is downloaded here; each shard fetches its own images. The listing streams, so
 * only one shard's names are held at a time.
 *
 * @example
 * await stageImageList({ source, prefix: 'photos/', staging, shardSize: 1000 })
 * // → { images: 2500, toEmbed: 2500, shards: 3, classes: ['cats', 'dogs'] }
 */
export async function stageImageList(options: StageImageListOptions): Promise<{ images: number; toEmbed: number; shards: number; classes: string[] }> {
  const { staging, shardSize, signal } = options;
  const prefix = folderPrefix(options.prefix ?? '');
  const started = Date.now();
  const folders = new Set<string>();
  let images = 0;
  let toEmbed = 0;
  let shards = 0;
  let batch: string[] = [];
  const flush = async () => {
    await staging.putList(staging.shardListKey(shards++), batch, signal);
    batch = [];
  };
  for await (const object of options.source.list(prefix, signal)) {
    const name = object.key.slice(prefix.length);
    if (name === '' || name.endsWith('/') || !isImageKey(name) || name.split('/').some((part) => part.startsWith('.'))) continue;
    images++;
    for (const folder of classesOf([name])) folders.add(folder);
    if (options.known?.has(name)) continue;
    batch.push(name);
    toEmbed++;
    if (batch.length === shardSize) await flush();
    if (images % 1000 === 0) options.onProgress?.(measureProgress(images, undefined, started));
  }
  if (batch.length > 0) await flush();
  const classes = [...folders].sort(compareNames);
  await staging.putList(staging.classesKey, classes, signal);
  options.onProgress?.(measureProgress(images, images, started));
  return { images, toEmbed, shards, classes };
}

export interface FetchImagesOptions {
  source: ObjectStore;
  prefix?: string;
  names: readonly string[];
  targetDir: string;
  concurrency?: number;
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
}

/**
 * Fetches named images (one shard) from the source bucket into `targetDir`, each through a temp file and a rename, so
 * a file under its final name is always whole and a retry on the same machine skips it. Names that would leave the
 * folder are refused; objects deleted since the listing are reported, not fatal (the embed step reports them too).
 *
 * @example
 * await fetchImages({ source, prefix: 'photos/', names: ['cats/1.jpg'], targetDir: '/tmp/shard-0' })
 * // → { fetched: 1, present: 0, missing: [], refused: [] }
 */
export async function fetchImages(options: FetchImagesOptions): Promise<{ fetched: number; present: number; missing: string[]; refused: string[] }> {
  const prefix = folderPrefix(options.prefix ?? '');
  const result = { fetched: 0, present: 0, missing: [] as string[], refused: [] as string[] };
  const started = Date.now();
  const total = options.names.length;
  async function* items() {
    yield* options.names;
  }
  await runPool(
    items(),
    options.concurrency ?? 8,
    async (name) => {
      const target = safeLocalPath(options.targetDir, name);
      if (!target.ok) {
        result.refused.push(name);
        return;
      }
      if (await stat(target.path).then((s) => s.isFile(), () => false)) result.present++;
      else if (await options.source.getToFile(prefix + name, target.path, options.signal)) result.fetched++;
      else result.missing.push(name);
      options.onProgress?.(measureProgress(result.fetched + result.present + result.missing.length + result.refused.length, total, started));
    },
    options.signal,
  );
  return result;
}
