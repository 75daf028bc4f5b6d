import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { embedImages, type EmbedImagesOptions, type EmbedResult } from '../embed';
import { classesOf, compareNames } from '../embed/image-files';
import { modelRecordPath, readEmbeddingRows } from '../embeddings';
import { WinnowError } from '../errors';
import { measuresPathFor } from '../health/measures-file';
import { formatNameList, parseNameList } from '../name-list';
import { measureProgress, type ProgressCallback } from '../progress';
import { folderPrefix, isImageKey, runPool, safeLocalPath, type ImageInput, type ObjectStore, type UploadedSample } from '../s3';
import { safeSegment, shardFileName } from './plan';

/**
 * The files one pipeline run hands from step to step when its workers share no disk: an S3 staging prefix instead of
 * a work folder. Every worker keeps only scratch copies (the shard it embeds); the truth is here.
 *
 *     <prefix><dataset>/embeddings.csv                               every image embedded so far (incremental datapool)
 *     <prefix><dataset>/embeddings-files.txt                         its file names, so a sync need not fetch the CSV
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
  get datapoolNamesKey(): string {
    return `${this.datasetKey}embeddings-files.txt`;
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
  /** The shard's health measures (JSONL lines, see src/health), in parts pushed with the CSV's. */
  measuresPartsPrefix(index: number): string {
    return `${this.runKey}measures/${shardFileName(index).replace(/\.csv$/, '')}/`;
  }

  uri(key: string): string {
    return this.store.uri(key);
  }

  async putList(key: string, names: readonly string[], signal?: AbortSignal): Promise<void> {
    await this.store.put(key, formatNameList(names), signal);
  }

  /** A list written by `putList`; a missing one is a broken run (its sync step never finished), not an empty list. */
  async getList(key: string, signal?: AbortSignal): Promise<string[]> {
    const body = await this.store.get(key, signal);
    if (body === undefined) throw new WinnowError(`staging file ${this.uri(key)} is missing; run the sync step again`, { code: 'STAGING_MISSING' });
    return toLines(body);
  }

  /** A list written by `putList`, or an empty one when there is none yet (the datapool before the first run). */
  async getListIfAny(key: string, signal?: AbortSignal): Promise<string[]> {
    const body = await this.store.get(key, signal);
    return body === undefined ? [] : toLines(body);
  }

  /**
   * Rebuilds a shard's CSV in `localCsv` from its parts, replacing whatever the local file held (another attempt on
   * this machine may have flushed rows it never uploaded; only uploaded rows count). Returns the bytes kept, which is
   * where the next part starts. Parts must follow each other without a gap; anything after a gap is ignored.
   * `prefix` picks the shard's measures parts instead of its CSV parts.
   */
  async pullShard(index: number, localCsv: string, signal?: AbortSignal, prefix = this.shardPartsPrefix(index)): Promise<number> {
    const parts: Array<{ key: string; offset: number; size: number }> = [];
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
  async pushShardGrowth(index: number, localCsv: string, fromOffset: number, signal?: AbortSignal, prefix = this.shardPartsPrefix(index)): Promise<number> {
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
    await this.store.put(`${prefix}${String(fromOffset).padStart(16, '0')}`, bytes, signal);
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

function toLines(body: Buffer): string[] {
  return parseNameList(body.toString('utf8'));
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

export interface EmbedStagedShardOptions {
  staging: RunStaging;
  /** The bucket the images are in, and their prefix. */
  source: ObjectStore;
  sourcePrefix?: string;
  /** The shard as the workflow planned it; the list in staging must hold `count` names. */
  shard: { index: number; count: number };
  /** This worker's scratch folder for the shard's CSV and images; what it put there is removed when the shard is done. */
  scratchDir: string;
  embed: Pick<EmbedImagesOptions, 'batchSize' | 'model'>;
  /** The platform's facts of images on this disk (size, dimensions, EXIF; thumbnails stored where the platform wants). */
  describeSamples(images: ImageInput[]): Promise<UploadedSample[]>;
  /** Called once a batch's rows are in staging, with the shard's files that now have a row. */
  onCheckpoint?(filesDone: number): void;
  onProgress?: ProgressCallback;
  onWarning?(message: string): void;
  signal?: AbortSignal;
}

/**
 * @example
 * { embed: { embedded: 968, alreadyPresent: 31, skipped: [{ file: 'cats/broken.jpg', reason: '…' }], … },
 *   csvUri: 's3://staging/farm/runs/r1/shards/shard-000003/', resumedFrom: 31,
 *   skippedReport: 's3://staging/farm/runs/r1/reports/shard-000003.skipped.json' }
 */
export interface EmbedStagedShardResult {
  embed: EmbedResult;
  /** Where the shard's CSV parts are. */
  csvUri: string;
  /** Files that already had a row in staging when this attempt started (a crashed attempt's work). */
  resumedFrom: number;
  skippedReport?: string;
}

/**
 * Embeds one shard on a worker that shares no disk with the others: rebuilds the shard's CSV from the parts in staging
 * (a crashed attempt elsewhere left them), fetches the shard's images into scratch, embeds what has no row yet and
 * appends each flushed batch to staging as a new part, so a retry on any host redoes at most the batch in flight. While
 * the images are on this disk it also records their platform facts, so no later step reads the dataset again.
 */
export async function embedStagedShard(options: EmbedStagedShardOptions): Promise<EmbedStagedShardResult> {
  const { staging, shard, signal } = options;
  const files = await staging.getList(staging.shardListKey(shard.index), signal);
  if (files.length !== shard.count) {
    throw new WinnowError(`staging list ${staging.uri(staging.shardListKey(shard.index))} has ${files.length} names, the plan says ${shard.count}`, {
      code: 'STAGING_MISMATCH',
    });
  }
  const classes = await staging.getList(staging.classesKey, signal);
  const name = shardFileName(shard.index).replace(/\.csv$/, '');
  const csvFile = path.join(options.scratchDir, `${name}.csv`);
  const imagesDir = path.join(options.scratchDir, name);
  let offset = await staging.pullShard(shard.index, csvFile, signal);
  // The embed pass's health measures travel like the rows: parts pushed per batch, resumed from staging.
  const measuresFile = measuresPathFor(csvFile);
  const measuresPrefix = staging.measuresPartsPrefix(shard.index);
  let measuresOffset = await staging.pullShard(shard.index, measuresFile, signal, measuresPrefix);
  let resumedFrom = 0;
  if (offset > 0) for await (const _row of readEmbeddingRows(csvFile)) resumedFrom++;
  try {
    // Every image of the shard, also those a crashed attempt embedded: the sample facts below read them all.
    const fetched = await fetchImages({ source: options.source, prefix: options.sourcePrefix, names: files, targetDir: imagesDir, onProgress: options.onProgress, signal });
    for (const missing of fetched.missing) options.onWarning?.(`object ${missing} is gone from the source since the listing`);
    await mkdir(imagesDir, { recursive: true });
    const embed = await embedImages({
      inputDir: imagesDir,
      outCsv: csvFile,
      files,
      classes,
      resume: true,
      ...options.embed,
      onBatch: async ({ filesDone }) => {
        // The rows count as done only once they are in staging: a worker on another machine resumes from there.
        offset = await staging.pushShardGrowth(shard.index, csvFile, offset, signal);
        measuresOffset = await staging.pushShardGrowth(shard.index, measuresFile, measuresOffset, signal, measuresPrefix);
        options.onCheckpoint?.(resumedFrom + filesDone);
      },
      onProgress: options.onProgress,
      onWarning: options.onWarning,
      signal,
    });
    // The header of a shard whose images were all present or skipped, and anything flushed by the writer's close.
    await staging.pushShardGrowth(shard.index, csvFile, offset, signal);
    await staging.pushShardGrowth(shard.index, measuresFile, measuresOffset, signal, measuresPrefix);
    const unreadable = new Set(embed.skipped.map((s) => s.file));
    const images = files.filter((file) => !unreadable.has(file)).map((fileName) => ({ fileName, path: path.join(imagesDir, ...fileName.split('/')) }));
    await staging.store.put(staging.sampleFactsKey(shard.index), JSON.stringify(await options.describeSamples(images)), signal);
    let skippedReport: string | undefined;
    if (embed.skipped.length > 0) {
      await staging.store.put(staging.skippedReportKey(shard.index), formatSkippedReport(shard.index, embed.skipped), signal);
      skippedReport = staging.uri(staging.skippedReportKey(shard.index));
    }
    return { embed, csvUri: staging.uri(staging.shardPartsPrefix(shard.index)), resumedFrom, ...(skippedReport ? { skippedReport } : {}) };
  } finally {
    // Scratch only: staging holds the shard, and a retry on any host rebuilds it from there.
    await rm(imagesDir, { recursive: true, force: true });
    await rm(csvFile, { force: true });
    await rm(modelRecordPath(csvFile), { force: true });
    await rm(measuresFile, { force: true });
  }
}

/**
 * Makes this worker's workspace hold what the save step merges: every shard's CSV (and the datapool of incremental
 * runs) rebuilt from staging. Returns the sample facts the shards recorded, for this run's images only: the datapool's
 * samples are in the platform already.
 *
 * @example
 * await pullStagedShards({ staging, shardCount: 2, shardCsv: (i) => `/scratch/shard-${i}.csv` })
 * // → Map { 'cats/1.jpg' => { fileName: 'cats/1.jpg', sizeInBytes: 48213, width: 640, height: 480, … }, … }
 */
export async function pullStagedShards(options: {
  staging: RunStaging;
  shardCount: number;
  shardCsv(index: number): string;
  /** Where to put the datapool CSV; removed there when staging has none yet. */
  datapoolCsv?: string;
  signal?: AbortSignal;
}): Promise<Map<string, UploadedSample>> {
  const { staging, signal } = options;
  const facts = new Map<string, UploadedSample>();
  for (let index = 0; index < options.shardCount; index++) {
    if ((await staging.pullShard(index, options.shardCsv(index), signal)) === 0) {
      throw new WinnowError(`shard ${index} has no rows in ${staging.uri(staging.shardPartsPrefix(index))}; embed it again`, { code: 'STAGING_MISSING' });
    }
    await staging.pullShard(index, measuresPathFor(options.shardCsv(index)), signal, staging.measuresPartsPrefix(index));
    const body = await staging.store.get(staging.sampleFactsKey(index), signal);
    if (body === undefined) throw new WinnowError(`${staging.uri(staging.sampleFactsKey(index))} is missing; embed shard ${index} again`, { code: 'STAGING_MISSING' });
    for (const sample of JSON.parse(body.toString('utf8')) as UploadedSample[]) facts.set(sample.fileName, sample);
  }
  if (options.datapoolCsv && !(await staging.pull(staging.datapoolKey, options.datapoolCsv, signal))) await rm(options.datapoolCsv, { force: true });
  return facts;
}

/**
 * The report of a shard's skipped images (JSON). Each attempt embeds or skips every file without a row, so the last
 * attempt's report is complete.
 *
 * @example formatSkippedReport(3, [{ file: 'cats/broken.jpg', reason: 'corrupt or truncated image' }])
 * // → '{\n  "shard": 3,\n  "skipped": [\n    {\n      "file": "cats/broken.jpg", …'
 */
export function formatSkippedReport(shardIndex: number, skipped: ReadonlyArray<{ file: string; reason: string }>): string {
  return `${JSON.stringify({ shard: shardIndex, skipped }, null, 2)}\n`;
}
