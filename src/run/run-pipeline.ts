import { createHash } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { embedImages } from '../embed';
import { sortEmbeddingsByFileName } from '../embeddings';
import { InvalidConfigError, WinnowError } from '../errors';
import { readCustomMetadataFile } from '../metadata';
import { findOrCreateDataset, findTag, sampleCreateRequests, type CustomMetadata as PlatformCustomMetadata, type PlatformConnection } from '../platform';
import type { Progress } from '../progress';
import { createFolderSink, isS3Uri, syncS3ToLocal, uploadForMode, type S3Settings, type UploadMode } from '../s3';
import { readRunState, RUN_STEPS, writeRunState, type RunState, type RunStep, type StepRecord } from './run-state';
import { pathInsideFolder } from '../safe-names';

export interface RunPipelineOptions {
  /** A local folder or `s3://bucket/prefix`. */
  input: string;
  /** Platform dataset name; created when missing, reused when present. */
  dataset: string;
  /** Use this existing dataset instead of looking it up by name (lightly-magic's `dataset_id`). */
  datasetId?: string;
  /** Custom metadata in the COCO-like Lightly format. */
  metadataPath?: string;
  /** How many to keep: an absolute count (≥ 1) or a fraction of the embedded images (< 1). */
  select: number;
  /** Shorthand strategy (`coreset`, `random`, …) or a full selection config (strategies, weights, thresholds …). */
  strategy?: string;
  selectionConfig?: Record<string, unknown>;
  /** Tag to create from the selection; default `<strategy>-<n>`. */
  tagName?: string;
  /** What leaves the machine for the platform: images + thumbnails, only thumbnails, or only metadata. */
  upload?: UploadMode;
  /** Precomputed Lightly embeddings CSV: skips the embed step (lightly-magic's `embeddings=`). */
  embeddingsPath?: string;
  model?: string;
  modelConfig?: string;
  batchSize?: number;
  /** Where the run folder goes, and which platform to write to (from `connectPlatform`). */
  connection: Pick<PlatformConnection, 'client' | 'home' | 'storageDirFor'>;
  /** S3 settings for an `s3://` input. */
  s3?: S3Settings;
  onEvent?: (event: RunEvent) => void;
  signal?: AbortSignal;
}

export type RunEvent =
  | { type: 'step-start'; step: RunStep; resumed: boolean }
  | { type: 'step-progress'; step: RunStep; progress: Progress }
  | { type: 'step-done'; step: RunStep; record: StepRecord };

export interface RunSummary {
  dataset: { id: string; name: string };
  runDir: string;
  csvPath: string;
  imagesFound: number;
  embedded: number;
  skipped: Array<{ file: string; reason: string }>;
  selected: number;
  tag: { id: string; name: string };
  steps: Partial<Record<RunStep, StepRecord>>;
}

/** A file-system-safe folder name for a dataset's run folder. */
export function runFolderName(dataset: string): string {
  const slug = dataset.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'dataset';
  return `${slug}-${createHash('sha256').update(dataset).digest('hex').slice(0, 8)}`;
}

/**
 * `winnow run`: sync (S3 input) → embed → save the Lightly CSV → platform (dataset, samples, embeddings, custom
 * metadata) → select → tag, in process. Each finished step is recorded in `<home>/runs/<dataset>/state.json`;
 * a rerun skips recorded steps and the embed step resumes row by row, so an interrupted run continues where it
 * stopped and never duplicates samples, rows or tags.
 *
 * @example
 * await runPipeline({ input: 'farm/', dataset: 'farm', select: 0.1, connection: await connectPlatform({ home: '~/.winnow' }) })
 * // → { dataset: { id: '67…', name: 'farm' }, csvPath: '…/runs/farm-1a2b3c4d/embeddings.csv', imagesFound: 266,
 * //     embedded: 264, skipped: [{ file: 'corrupt/truncated.jpg', reason: '…' }], selected: 26,
 * //     tag: { id: '67…', name: 'coreset-26' }, steps: { sync: {…}, embed: {…}, … } }
 */
export async function runPipeline(options: RunPipelineOptions): Promise<RunSummary> {
  validateRunOptions(options);
  const platform = options.connection.client;
  const runDir = path.join(options.connection.home, 'runs', runFolderName(options.dataset));
  await mkdir(runDir, { recursive: true });
  const fingerprint = fingerprintOf(options);
  const previous = await readRunState(runDir);
  // Output-changing options differ from the recorded run: redo every step (embedding still resumes row by row).
  const state: RunState = previous?.fingerprint === fingerprint ? previous : { version: 1, fingerprint, steps: {} };
  const emit = options.onEvent ?? (() => undefined);

  const step = async <T extends Record<string, unknown>>(name: RunStep, work: () => Promise<T | undefined>): Promise<T> => {
    const done = state.steps[name];
    if (done) {
      emit({ type: 'step-start', step: name, resumed: true });
      emit({ type: 'step-done', step: name, record: done });
      return done.result as T;
    }
    options.signal?.throwIfAborted();
    emit({ type: 'step-start', step: name, resumed: false });
    const started = Date.now();
    let result: T | undefined;
    try {
      result = await work();
    } catch (error) {
      throw stepError(name, error);
    }
    const record: StepRecord = { status: result ? 'done' : 'skipped', seconds: (Date.now() - started) / 1000, result: result ?? {} };
    state.steps[name] = record;
    await writeRunState(runDir, state);
    emit({ type: 'step-done', step: name, record });
    return record.result as T;
  };
  const progressOf = (name: RunStep) => (progress: Progress) => emit({ type: 'step-progress', step: name, progress });

  // 1. sync
  const s3Input = isS3Uri(options.input);
  const imagesDir = s3Input ? path.join(runDir, 'images') : path.resolve(options.input);
  await step('sync', async () => {
    if (!s3Input) return undefined;
    const result = await syncS3ToLocal({
      source: options.input,
      targetDir: imagesDir,
      s3: options.s3 ?? {},
      imagesOnly: true,
      onProgress: progressOf('sync'),
      signal: options.signal,
    });
    if (result.failed.length > 0) {
      throw new WinnowError(`${result.failed.length} object(s) could not be downloaded, first: ${result.failed[0].key}: ${result.failed[0].reason}`, {
        code: 'SYNC_INCOMPLETE',
        retryable: true,
      });
    }
    return { listed: result.listed, downloaded: result.downloaded, skipped: result.skipped, bytes: result.bytes };
  });

  // 2. embed (resumable: rows already in the partial CSV are kept)
  const partialCsv = path.join(runDir, 'embeddings.partial.csv');
  const embed = await step('embed', async () => {
    if (options.embeddingsPath) return undefined;
    const result = await embedImages({
      inputDir: imagesDir,
      outCsv: partialCsv,
      model: options.model,
      modelConfig: options.modelConfig,
      batchSize: options.batchSize,
      resume: true,
      onProgress: progressOf('embed'),
      signal: options.signal,
    });
    return {
      imagesFound: result.total,
      embedded: result.embedded + result.alreadyPresent,
      embeddedThisRun: result.embedded,
      skipped: result.skipped,
      dim: result.dim,
      modelId: result.modelId,
    };
  });

  // 3. save: the Lightly CSV in file-name order, so an interrupted and an uninterrupted run write the same bytes.
  const csvPath = path.join(runDir, 'embeddings.csv');
  const fileNamesPath = path.join(runDir, 'filenames.jsonl');
  const saved = await step('save', async () => {
    const source = options.embeddingsPath ? path.resolve(options.embeddingsPath) : partialCsv;
    const { fileNames } = await sortEmbeddingsByFileName(source, csvPath);
    // The later steps need only the names; keeping them beside the CSV spares a rerun from reading gigabytes of vectors.
    await writeFile(fileNamesPath, fileNames.map((name) => `${JSON.stringify(name)}\n`).join(''));
    return { csvPath, rows: fileNames.length, bytes: (await stat(csvPath)).size };
  });
  const fileNames = await readFileNames(fileNamesPath);

  // 4. platform: dataset, samples (idempotent by file name), images/thumbnails per upload mode, embeddings, metadata
  const uploaded = await step('platform', async () => {
    const dataset = options.datasetId ? await platform.getDatasetById(options.datasetId) : await findOrCreateDataset(platform, options.dataset);
    const mode: UploadMode = options.upload ?? 'thumbnails';
    const storageDir = options.connection.storageDirFor?.(dataset.id);
    if (mode !== 'metadata' && !storageDir) {
      throw new InvalidConfigError(`upload mode ${mode} needs a platform storage folder; use --upload metadata with a remote platform`);
    }
    const stored = await uploadForMode({
      mode,
      // Names come from a CSV the user may have been handed: none may read outside the input folder.
      source: { images: fileNames.map((fileName) => ({ fileName, path: pathInsideFolder(imagesDir, fileName, { file: options.embeddingsPath ?? csvPath, column: 'filenames' }) })) },
      sink: storageDir ? createFolderSink(storageDir) : undefined,
      onProgress: progressOf('platform'),
      signal: options.signal,
    });
    const facts = new Map(stored.samples.map((s) => [s.fileName, s]));
    const created = await platform.createSamples(dataset.id, sampleCreateRequests(fileNames, facts), { signal: options.signal });
    const embedding = await platform.uploadEmbeddings(dataset.id, csvPath, 'default', { signal: options.signal });
    let metadataSamples = 0;
    if (options.metadataPath) {
      const metadata = await readCustomMetadataFile(options.metadataPath);
      // The platform validates ids again on its side (it accepts what readCustomMetadataFile accepted).
      const result = await platform.uploadCustomMetadata(dataset.id, metadata as PlatformCustomMetadata);
      metadataSamples = result.updated;
    }
    return {
      datasetId: dataset.id,
      datasetName: dataset.name,
      samplesCreated: created.filter((s) => s.created).length,
      samples: created.length,
      embeddingId: embedding.id,
      uploadMode: mode,
      uploaded: stored.uploaded,
      // Every image that could not be stored (missing, unreadable, refused) is reported, never dropped silently.
      notStored: stored.failed.map((f) => ({ file: f.key, reason: `not stored: ${f.reason}` })),
      metadataSamples,
    };
  });

  // 5. select + 6. tag: a platform selection job stores the full ranking (the web app's slider reads it) and the tag.
  const n = options.select < 1 ? Math.max(1, Math.round(options.select * fileNames.length)) : Math.min(options.select, fileNames.length);
  const strategy = options.strategy ?? 'coreset';
  const tagName = options.tagName ?? `${strategy}-${n}`;
  const datasetId = uploaded.datasetId as string;
  const selection = await step('select', async () => {
    const existing = await findTag(platform, datasetId, tagName);
    if (existing) return { jobId: null, tagId: existing.id, reused: true };
    const { jobId } = await platform.startSelection(datasetId, uploaded.embeddingId as string, {
      newTagName: tagName,
      selection: { ...(options.selectionConfig ?? { strategy }), n },
    });
    const job = await platform.waitForJob(jobId, { onProgress: progressOf('select'), signal: options.signal });
    return { jobId, tagId: job.result?.data ?? null, n };
  });
  const tag = await step('tag', async () => {
    const found = selection.tagId
      ? await platform.getTagById(datasetId, selection.tagId as string)
      : await platform.getTagByName(datasetId, tagName);
    const names = await platform.exportFilenamesByTagId(datasetId, found.id);
    return { tagId: found.id, tagName: found.name, size: names.length };
  });

  return {
    dataset: { id: datasetId, name: uploaded.datasetName as string },
    runDir,
    csvPath: saved.csvPath as string,
    imagesFound: (embed.imagesFound as number | undefined) ?? fileNames.length,
    embedded: (embed.embedded as number | undefined) ?? fileNames.length,
    skipped: [...((embed.skipped as RunSummary['skipped'] | undefined) ?? []), ...((uploaded.notStored as RunSummary['skipped'] | undefined) ?? [])],
    selected: tag.size as number,
    tag: { id: tag.tagId as string, name: tag.tagName as string },
    steps: state.steps,
  };
}

function validateRunOptions(options: RunPipelineOptions): void {
  if (!options.dataset.trim()) throw new InvalidConfigError('--dataset must not be empty');
  if (!(options.select > 0)) throw new InvalidConfigError('--select must be a count ≥ 1 or a fraction between 0 and 1');
  if (options.select >= 1 && !Number.isInteger(options.select)) throw new InvalidConfigError('--select above 1 must be a whole number of images');
}

/** The options that change what a run produces; a rerun with other values starts the steps again. */
function fingerprintOf(o: RunPipelineOptions): string {
  const relevant = [o.input, o.dataset, o.datasetId, o.metadataPath, o.select, o.strategy, o.selectionConfig, o.tagName, o.upload, o.embeddingsPath, o.model, o.modelConfig];
  return createHash('sha256').update(JSON.stringify(relevant)).digest('hex').slice(0, 16);
}

function stepError(step: RunStep, error: unknown): Error {
  const message = `step ${RUN_STEPS.indexOf(step) + 1} (${step}) failed: ${error instanceof Error ? error.message : String(error)}`;
  if (error instanceof WinnowError) return new WinnowError(message, { code: error.code, retryable: error.retryable, cause: error });
  return new Error(message, { cause: error });
}

/** One JSON string per line: file names may hold commas, quotes or newlines. */
async function readFileNames(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8');
  return text === '' ? [] : text.trimEnd().split('\n').map((line) => JSON.parse(line) as string);
}

