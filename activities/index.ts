import { Context } from '@temporalio/activity';
import { copyFile, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { embedImages as embedImageFiles, listImageFiles, type EmbedResult } from '../src/embed';
import { mergeEmbeddingsFiles, readEmbeddingRows, sortEmbeddingsByFileName, validateEmbeddingsFile } from '../src/embeddings';
import { InvalidConfigError, NotFoundError, WinnowError } from '../src/errors';
import { readCustomMetadataFile } from '../src/metadata';
import type { ProgressCallback } from '../src/progress';
import type { S3Location } from '../src/pipeline/config';
import { matchesTagTemplate } from '../src/pipeline/plan';
import { resolveCredentialProfile, type ResolveProfileOptions } from '../src/pipeline/profiles';
import { embedStagedShard, formatSkippedReport, pullStagedShards, RunStaging, stageImageList } from '../src/pipeline/staging';
import { findOrCreateDataset, findTag, sampleCreateRequests, type PlatformClient } from '../src/platform';
import {
  createFolderSink,
  isS3Uri,
  openObjectStore,
  parseS3Uri,
  syncS3ToLocal,
  uploadForMode,
  type ImageInput,
  type ImageSink,
  type ObjectStore,
  type S3Settings,
  type UploadedSample,
} from '../src/s3';
import { parseSelectionConfig } from '../src/select/selection-config';
import { withFailureMapping } from './failures';
import { activitySignal, Heartbeater, resumeCursor } from './heartbeat';
import { withPlatform } from './platform';
import type { EmbedShardResult, PipelineActivities, RunRef, SaveResult, SelectResult, ShardRef, SyncResult } from './types';
import { defaultWorkRoot, openWorkspace, readList, writeList } from './workspace';

export type * from './types';

export interface ActivityDeps {
  /** Root of the workspaces on this worker; `WINNOW_WORK_DIR` or `.winnow/work`. */
  workRoot?: string;
  /** Credential profiles file; `WINNOW_SECRETS_FILE` when omitted. */
  secretsFile?: string;
  /** Where profiles are read from; `process.env` by default. */
  env?: NodeJS.ProcessEnv;
}

/**
 * The pipeline's activities, bound to one worker's work root and credentials. Each is a thin call into the engine:
 * it resolves references to local paths and secrets, heartbeats progress with a resume cursor, and turns engine
 * errors into Temporal failures (bad input → non-retryable, of type = error code).
 */
export function createActivities(deps: ActivityDeps = {}): PipelineActivities {
  const env = deps.env ?? process.env;
  const workRoot = deps.workRoot ? path.resolve(deps.workRoot) : defaultWorkRoot(env);
  const profiles: ResolveProfileOptions = { env, ...(deps.secretsFile ? { secretsFile: deps.secretsFile } : {}) };
  const workspace = (ref: RunRef) => openWorkspace(workRoot, ref.config, ref.runKey);
  const s3Settings = (location: S3Location): S3Settings => {
    const s3 = resolveCredentialProfile(location.profile ?? 'default', profiles).s3;
    const endpoint = location.endpoint ?? s3?.endpoint;
    return {
      ...(s3 ? { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, sessionToken: s3.sessionToken } : {}),
      endpoint,
      region: location.region ?? s3?.region,
    };
  };
  const sourceUri = (config: RunRef['config']) => `s3://${config.source.bucket}/${config.source.prefix ?? ''}`;

  /**
   * Opens the source bucket and the run's S3 staging area (the config's `staging`: workers without a shared disk)
   * for the length of one step, and closes both when `fn` settles.
   */
  async function withStaging<T>(ref: RunRef, fn: (buckets: { source: ObjectStore; staging: RunStaging }) => Promise<T>): Promise<T> {
    const { config } = ref;
    if (!config.staging) throw new InvalidConfigError('this step needs "staging" in the pipeline config');
    const source = openObjectStore(s3Settings(config.source), config.source.bucket);
    const stagingStore = openObjectStore(s3Settings(config.staging), config.staging.bucket);
    try {
      return await fn({ source, staging: new RunStaging(stagingStore, config.staging.prefix ?? '', config.dataset, ref.runKey) });
    } finally {
      source.close();
      stagingStore.close();
    }
  }

  /** The metadata file as a local path: itself, or a scratch copy of an `s3://` one (staging's credentials, else the source's). */
  async function localMetadataFile(ref: RunRef): Promise<string | undefined> {
    const file = ref.config.metadata?.file;
    if (file === undefined || !isS3Uri(file)) return file;
    const { bucket, prefix: key } = parseS3Uri(file);
    const store = openObjectStore(s3Settings(ref.config.staging ?? ref.config.source), bucket);
    try {
      const local = path.join(workspace(ref).runDir, 'metadata.json');
      if (!(await store.getToFile(key, local, activitySignal()))) throw new NotFoundError('metadata file', file);
      return local;
    } finally {
      store.close();
    }
  }

  async function checkPipeline(ref: RunRef) {
    const { config } = ref;
    // n is computed from `select` once the embeddings are counted; any n makes the rest of the config checkable now.
    parseSelectionConfig({ ...config.selection, n: 1 }, 'pipeline config "selection"');
    if ('url' in config.platform && config.upload !== 'metadata') {
      throw new WinnowError(`upload mode ${config.upload} needs the embedded platform ("platform": { "home": … }); use "upload": "metadata" with a remote platform`, {
        code: 'INVALID_CONFIG',
      });
    }
    if (config.staging) {
      // One listed key proves the staging bucket exists and the profile may read it, before hours of embedding.
      await withStaging(ref, async ({ staging }) => staging.store.list(staging.datasetKey).next());
    }
    await withPlatform(config, profiles, async () => undefined);
    const metadataFile = await localMetadataFile(ref);
    if (!metadataFile) return {};
    const metadata = await readCustomMetadataFile(metadataFile);
    return { metadataEntries: metadata.metadata.length };
  }

  async function syncImages(ref: RunRef): Promise<SyncResult> {
    const { config } = ref;
    const ws = workspace(ref);
    if (config.staging) return stageImages(ref);
    const heartbeat = new Heartbeater<string>(resumeCursor<string>());
    const result = await syncS3ToLocal({
      source: sourceUri(config),
      targetDir: ws.imagesDir,
      s3: s3Settings(config.source),
      imagesOnly: true,
      startAfter: resumeCursor<string>(),
      onCheckpoint: (marker) => heartbeat.checkpoint(marker),
      onProgress: heartbeat.onProgress,
      signal: activitySignal(),
    });
    if (result.failed.length > 0) {
      // Retryable: the next attempt starts after the marker, which never passes an object that failed.
      throw new WinnowError(`${result.failed.length} object(s) could not be downloaded, first: ${result.failed[0].key}: ${result.failed[0].reason}`, {
        code: 'SYNC_INCOMPLETE',
        retryable: true,
      });
    }
    const images = await listImageFiles(ws.imagesDir);
    let toEmbed = images;
    if (config.incremental && (await exists(ws.datapoolCsv))) {
      const known = new Set<string>();
      for await (const row of readEmbeddingRows(ws.datapoolCsv)) known.add(row.fileName);
      toEmbed = images.filter((name) => !known.has(name));
    }
    await writeList(ws.listFile, toEmbed);
    return { images: images.length, toEmbed: toEmbed.length, downloaded: result.downloaded, listFile: ws.listFile };
  }

  /** The sync step without a shared disk: list the source into per-shard lists in staging; shards fetch their images. */
  async function stageImages(ref: RunRef): Promise<SyncResult> {
    const { config } = ref;
    const heartbeat = new Heartbeater<never>();
    return withStaging(ref, async ({ source, staging }) => {
      // The datapool's names, not its CSV: the sync of a nightly run must not download gigabytes of embeddings.
      const known = new Set(config.incremental ? await staging.getListIfAny(staging.datapoolNamesKey, activitySignal()) : []);
      const listed = await stageImageList({
        source,
        prefix: config.source.prefix,
        staging,
        shardSize: config.embed.shardSize,
        known,
        onProgress: heartbeat.onProgress,
        signal: activitySignal(),
      });
      return { images: listed.images, toEmbed: listed.toEmbed, downloaded: 0, listFile: staging.uri(staging.shardListKey(0)) };
    });
  }

  async function embedImages(ref: RunRef, shard: ShardRef): Promise<EmbedShardResult> {
    const { config } = ref;
    const ws = workspace(ref);
    if (config.staging) return embedImagesStaged(ref, shard);
    const { attempt } = Context.current().info;
    const previous = resumeCursor<number>() ?? 0;
    const files = await readList(ws.listFile, shard.offset, shard.count);
    const csvFile = ws.shardCsv(shard.index);
    await mkdir(ws.shardsDir, { recursive: true });
    // Rows already written by a crashed attempt are kept (resume); the cursor counts them so progress never goes back.
    const durable = await countRows(csvFile);
    const heartbeat = new Heartbeater<number>(durable);
    const result = await embedImageFiles({
      inputDir: ws.imagesDir,
      outCsv: csvFile,
      files,
      resume: true,
      batchSize: config.embed.batchSize,
      ...(config.embed.model ? { model: config.embed.model } : {}),
      onBatch: ({ filesDone }) => {
        heartbeat.checkpoint(durable + filesDone);
        Context.current().log.debug('embedded batch', { shard: shard.index, filesDone: durable + filesDone });
      },
      onProgress: heartbeat.onProgress,
      onWarning: (message) => Context.current().log.warn(message),
      signal: activitySignal(),
    });
    warnSkipped(shard, result.skipped);
    let skippedReport: string | undefined;
    if (result.skipped.length > 0) {
      skippedReport = ws.skippedReport(shard.index);
      await mkdir(path.dirname(skippedReport), { recursive: true });
      await writeFile(skippedReport, formatSkippedReport(shard.index, result.skipped));
    }
    return shardResult(shard, result, { csvFile, skippedReport, heartbeatCursor: previous, attempt });
  }

  /** One shard without a shared disk: the engine's staged shard, heartbeating the files that have a row in staging. */
  async function embedImagesStaged(ref: RunRef, shard: ShardRef): Promise<EmbedShardResult> {
    const { config } = ref;
    const { attempt } = Context.current().info;
    const previous = resumeCursor<number>() ?? 0;
    const signal = activitySignal();
    const heartbeat = new Heartbeater<number>(previous);
    return withStaging(ref, async ({ source, staging }) => {
      const staged = await embedStagedShard({
        staging,
        source,
        sourcePrefix: config.source.prefix,
        shard,
        scratchDir: path.join(workspace(ref).runDir, 'scratch'),
        embed: { batchSize: config.embed.batchSize, ...(config.embed.model ? { model: config.embed.model } : {}) },
        describeSamples: (images) => describeSamples(config, images, heartbeat.onProgress, signal),
        onCheckpoint: (filesDone) => {
          heartbeat.checkpoint(filesDone);
          Context.current().log.debug('embedded batch', { shard: shard.index, filesDone });
        },
        onProgress: heartbeat.onProgress,
        onWarning: (message) => Context.current().log.warn(message),
        signal,
      });
      warnSkipped(shard, staged.embed.skipped);
      return shardResult(shard, staged.embed, { csvFile: staged.csvUri, skippedReport: staged.skippedReport, heartbeatCursor: previous, attempt });
    });
  }

  async function saveEmbeddings(ref: RunRef, shardCount: number): Promise<SaveResult> {
    if (ref.config.staging) {
      return withStaging(ref, async ({ staging }) => {
        const ws = workspace(ref);
        const signal = activitySignal();
        const facts = await pullStagedShards({
          staging,
          shardCount,
          shardCsv: ws.shardCsv,
          ...(ref.config.incremental ? { datapoolCsv: ws.datapoolCsv } : {}),
          signal,
        });
        const { saved, fileNames } = await saveMergedEmbeddings(ref, shardCount, facts);
        await staging.push(staging.mergedKey, saved.csvFile, signal);
        if (ref.config.incremental) {
          // CSV first, names second: a sync that sees the names finds every row they name in the CSV.
          await staging.push(staging.datapoolKey, saved.csvFile, signal);
          await staging.putList(staging.datapoolNamesKey, fileNames, signal);
        }
        // Scratch only: the shards and the merged CSV live in staging now, where the next step reads them.
        await rm(ws.runDir, { recursive: true, force: true });
        await rm(ws.datapoolCsv, { force: true });
        return { ...saved, csvFile: staging.uri(staging.mergedKey) };
      });
    }
    return (await saveMergedEmbeddings(ref, shardCount)).saved;
  }

  /**
   * What the platform records of each image (size, dimensions, EXIF; a thumbnail or the image itself stored in the
   * platform's storage in `thumbnails`/`full` mode), read from files on this worker.
   */
  async function describeSamples(config: RunRef['config'], images: ImageInput[], onProgress: ProgressCallback, signal: AbortSignal): Promise<UploadedSample[]> {
    const upload = (sink?: ImageSink) => uploadForMode({ mode: config.upload, source: { images }, sink, onProgress, signal });
    if (config.upload === 'metadata') return (await upload()).samples;
    return withPlatform(config, profiles, async ({ client, storageDirFor }) => {
      const storageDir = storageDirFor?.((await findOrCreateDataset(client, config.dataset)).id);
      return (await upload(storageDir ? createFolderSink(storageDir) : undefined)).samples;
    });
  }

  /**
   * Merges the shard CSVs in the workspace (and the datapool), then hands samples and embeddings to the platform.
   * Sample facts come from `knownFacts` (made by the shards), or are read from the workspace's synced images.
   * Returns the merged names too (in the CSV's order), which the activity result leaves out.
   */
  async function saveMergedEmbeddings(
    ref: RunRef,
    shardCount: number,
    knownFacts?: ReadonlyMap<string, UploadedSample>,
  ): Promise<{ saved: SaveResult; fileNames: string[] }> {
    const { config } = ref;
    const ws = workspace(ref);
    const heartbeat = new Heartbeater<never>();
    const signal = activitySignal();
    const inputs = Array.from({ length: shardCount }, (_, i) => ws.shardCsv(i));
    if (config.incremental && (await exists(ws.datapoolCsv))) inputs.unshift(ws.datapoolCsv);
    const merged = `${ws.mergedCsv}.merged`;
    if (inputs.length === 0) throw new WinnowError(`no images found in ${sourceUri(config)}`, { code: 'NO_IMAGES' });
    await mergeEmbeddingsFiles(inputs, merged, { signal });
    heartbeat.beat();
    // File-name order, exactly as `winnow run` writes it, so both faces produce the same bytes.
    const { fileNames } = await sortEmbeddingsByFileName(merged, ws.mergedCsv, { signal });
    await validateEmbeddingsFile(ws.mergedCsv);
    heartbeat.beat();

    const synced = fileNames.map((fileName) => ({ fileName, path: path.join(ws.imagesDir, fileName) }));
    const byName = knownFacts ?? new Map((await describeSamples(config, synced, heartbeat.onProgress, signal)).map((s) => [s.fileName, s]));
    const saved = await withPlatform(config, profiles, async ({ client }) => {
      const dataset = await findOrCreateDataset(client, config.dataset);
      const created = await client.createSamples(dataset.id, sampleCreateRequests(fileNames, byName), { signal });
      heartbeat.beat();
      const embedding = await client.uploadEmbeddings(dataset.id, ws.mergedCsv, 'default', { signal });
      return { datasetId: dataset.id, embeddingId: embedding.id, samplesCreated: created.filter((s) => s.created).length };
    });
    if (config.incremental) {
      // The datapool grows only once the platform has the rows, so a failed run is simply embedded again.
      await copyFile(ws.mergedCsv, `${ws.datapoolCsv}.tmp`);
      await rename(`${ws.datapoolCsv}.tmp`, ws.datapoolCsv);
    }
    return { saved: { csvFile: ws.mergedCsv, rows: fileNames.length, ...saved }, fileNames };
  }

  async function uploadMetadata(ref: RunRef, datasetId: string) {
    const { config } = ref;
    const metadataFile = await localMetadataFile(ref);
    if (!metadataFile) return { entries: 0 };
    const metadata = await readCustomMetadataFile(metadataFile);
    // The reader accepts string ids too (lightly does); the platform's wire type says integer and validates it itself.
    const wire = metadata as Parameters<PlatformClient['uploadCustomMetadata']>[1];
    await withPlatform(config, profiles, ({ client }) => client.uploadCustomMetadata(datasetId, wire));
    return { entries: metadata.metadata.length };
  }

  async function selectSamples(ref: RunRef, save: SaveResult, tagName: string): Promise<SelectResult> {
    const { config } = ref;
    const n = config.select < 1 ? Math.max(1, Math.round(config.select * save.rows)) : Math.min(config.select, save.rows);
    const heartbeat = new Heartbeater<never>();
    return withPlatform(config, profiles, async ({ client }) => {
      // A retry after the job finished but before this activity reported must not select (and tag) twice.
      const existing = await findTag(client, save.datasetId, tagName);
      if (existing) return { tagId: existing.id, n, reused: true };
      const preselected = config.incremental ? await latestEarlierTag(client, save.datasetId, config.tag.name, tagName) : undefined;
      const { jobId } = await client.startSelection(save.datasetId, save.embeddingId, {
        newTagName: tagName,
        selection: { ...config.selection, n },
        ...(preselected ? { preselectedTagId: preselected } : {}),
      });
      const job = await client.waitForJob(jobId, { onProgress: heartbeat.onProgress, signal: activitySignal() });
      const tagId = job.result?.data ?? (await client.getTagByName(save.datasetId, tagName)).id;
      return { tagId, n, jobId, reused: false };
    });
  }

  async function createTag(ref: RunRef, datasetId: string, selection: SelectResult) {
    const ws = workspace(ref);
    return withPlatform(ref.config, profiles, async ({ client }) => {
      const tag = await client.getTagById(datasetId, selection.tagId);
      const names = await client.exportFilenamesByTagId(datasetId, tag.id);
      if (ref.config.staging) await withStaging(ref, async ({ staging }) => staging.putList(staging.selectionKey, names, activitySignal()));
      else await writeList(ws.selectionFile, names);
      return { tagId: tag.id, name: tag.name, count: names.length };
    });
  }

  return {
    checkPipeline: withFailureMapping(checkPipeline),
    syncImages: withFailureMapping(syncImages),
    embedImages: withFailureMapping(embedImages),
    saveEmbeddings: withFailureMapping(saveEmbeddings),
    uploadMetadata: withFailureMapping(uploadMetadata),
    selectSamples: withFailureMapping(selectSamples),
    createTag: withFailureMapping(createTag),
  };
}

/** What a shard activity returns: counts and references (its CSV, its report), never rows. */
function shardResult(
  shard: ShardRef,
  result: EmbedResult,
  refs: { csvFile: string; skippedReport?: string; heartbeatCursor: number; attempt: number },
): EmbedShardResult {
  return {
    index: shard.index,
    csvFile: refs.csvFile,
    rows: result.alreadyPresent + result.embedded,
    embedded: result.embedded,
    resumed: result.alreadyPresent,
    heartbeatCursor: refs.heartbeatCursor,
    attempt: refs.attempt,
    skipped: result.skipped.length,
    ...(refs.skippedReport ? { skippedReport: refs.skippedReport } : {}),
  };
}

/** The worker log gets the count and the first reason; the report has them all. */
function warnSkipped(shard: ShardRef, skipped: ReadonlyArray<{ file: string; reason: string }>): void {
  if (skipped.length === 0) return;
  Context.current().log.warn(`shard ${shard.index}: ${skipped.length} image(s) skipped, first: ${skipped[0].file}: ${skipped[0].reason}`);
}

async function exists(file: string): Promise<boolean> {
  return (await stat(file).catch(() => undefined))?.isFile() ?? false;
}

async function countRows(csv: string): Promise<number> {
  if (!(await exists(csv))) return 0;
  let rows = 0;
  try {
    for await (const _row of readEmbeddingRows(csv)) rows++;
  } catch {
    // A kill -9 can leave a torn last line; the embed writer repairs it on resume. The count only feeds progress.
  }
  return rows;
}

/**
 * The datapool of an incremental run: the newest earlier tag made from the same tag template (e.g. `nightly-{date}`).
 * The platform keeps a preselected tag's samples in the new selection, so tonight's tag holds every earlier pick plus
 * tonight's, and nothing picked before is picked again.
 */
async function latestEarlierTag(client: PlatformClient, datasetId: string, template: string, current: string): Promise<string | undefined> {
  const tags = (await client.getAllTags(datasetId)).filter((t) => t.name !== current && matchesTagTemplate(template, t.name));
  // Rendered dates and times sort as text in time order.
  tags.sort((a, b) => (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
  return tags[0]?.id;
}
