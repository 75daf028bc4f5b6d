import { Context } from '@temporalio/activity';
import { copyFile, mkdir, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { embedImages as embedImageFiles, listImageFiles } from '../src/embed';
import { mergeEmbeddingsFiles, readEmbeddingRows, reorderEmbeddings, validateEmbeddingsFile } from '../src/embeddings';
import { WinnowError } from '../src/errors';
import { readCustomMetadataFile } from '../src/metadata';
import type { S3Location } from '../src/pipeline/config';
import { matchesTagTemplate } from '../src/pipeline/plan';
import { resolveCredentialProfile, type ResolveProfileOptions } from '../src/pipeline/profiles';
import type { PlatformClient } from '../src/platform';
import { createFolderSink, syncS3ToLocal, uploadForMode, type S3Settings } from '../src/s3';
import { parseSelectionConfig } from '../src/select/selection-config';
import { withFailureMapping } from './failures';
import { activitySignal, Heartbeater, resumeCursor } from './heartbeat';
import { findOrCreateDataset, findTag, withPlatform } from './platform';
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

  async function checkPipeline(ref: RunRef) {
    const { config } = ref;
    // n is computed from `select` once the embeddings are counted; any n makes the rest of the config checkable now.
    parseSelectionConfig({ ...config.selection, n: 1 }, 'pipeline config "selection"');
    if ('url' in config.platform && config.upload !== 'metadata') {
      throw new WinnowError(`upload mode ${config.upload} needs the embedded platform ("platform": { "home": … }); use "upload": "metadata" with a remote platform`, {
        code: 'INVALID_CONFIG',
      });
    }
    s3Settings(config.source);
    await withPlatform(config, profiles, async () => undefined);
    if (!config.metadata) return {};
    const metadata = await readCustomMetadataFile(config.metadata.file);
    return { metadataEntries: metadata.metadata.length };
  }

  async function syncImages(ref: RunRef): Promise<SyncResult> {
    const { config } = ref;
    const ws = workspace(ref);
    const heartbeat = new Heartbeater<string>(resumeCursor<string>());
    const result = await syncS3ToLocal({
      source: `s3://${config.source.bucket}/${config.source.prefix ?? ''}`,
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

  async function embedImages(ref: RunRef, shard: ShardRef): Promise<EmbedShardResult> {
    const { config } = ref;
    const ws = workspace(ref);
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
    return {
      index: shard.index,
      csvFile,
      rows: result.alreadyPresent + result.embedded,
      embedded: result.embedded,
      resumed: result.alreadyPresent,
      heartbeatCursor: previous,
      attempt,
    };
  }

  async function saveEmbeddings(ref: RunRef, shardCount: number): Promise<SaveResult> {
    const { config } = ref;
    const ws = workspace(ref);
    const heartbeat = new Heartbeater<never>();
    const signal = activitySignal();
    const inputs = Array.from({ length: shardCount }, (_, i) => ws.shardCsv(i));
    if (config.incremental && (await exists(ws.datapoolCsv))) inputs.unshift(ws.datapoolCsv);
    const merged = `${ws.mergedCsv}.merged`;
    if (inputs.length === 0) throw new WinnowError(`no images found in s3://${config.source.bucket}/${config.source.prefix ?? ''}`, { code: 'NO_IMAGES' });
    await mergeEmbeddingsFiles(inputs, merged, { signal });
    heartbeat.beat();
    // File-name order, exactly as `winnow run` writes it, so both faces produce the same bytes.
    const fileNames: string[] = [];
    for await (const row of readEmbeddingRows(merged)) fileNames.push(row.fileName);
    fileNames.sort();
    await reorderEmbeddings(merged, fileNames, ws.mergedCsv, { signal });
    await validateEmbeddingsFile(ws.mergedCsv);
    heartbeat.beat();

    const saved = await withPlatform(config, profiles, async ({ client, storageDirFor }) => {
      const dataset = await findOrCreateDataset(client, config.dataset);
      const storageDir = storageDirFor?.(dataset.id);
      const uploaded = await uploadForMode({
        mode: config.upload,
        source: { images: fileNames.map((fileName) => ({ fileName, path: path.join(ws.imagesDir, fileName) })) },
        sink: storageDir ? createFolderSink(storageDir) : undefined,
        onProgress: heartbeat.onProgress,
        signal,
      });
      const byName = new Map(uploaded.samples.map((s) => [s.fileName, s]));
      const samples = fileNames.map((fileName) => {
        const info = byName.get(fileName);
        return {
          fileName,
          thumbName: info?.thumbName ?? null,
          exif: (info?.exif ?? {}) as Record<string, unknown>,
          metaData: info ? { sizeInBytes: info.sizeInBytes, width: info.width, height: info.height } : {},
        };
      });
      const created = await client.createSamples(dataset.id, samples, { signal });
      heartbeat.beat();
      const embedding = await client.uploadEmbeddings(dataset.id, ws.mergedCsv, 'default', { signal });
      return { datasetId: dataset.id, embeddingId: embedding.id, samplesCreated: created.filter((s) => s.created).length };
    });
    if (config.incremental) {
      // The datapool grows only once the platform has the rows, so a failed run is simply embedded again.
      await copyFile(ws.mergedCsv, `${ws.datapoolCsv}.tmp`);
      await rename(`${ws.datapoolCsv}.tmp`, ws.datapoolCsv);
    }
    return { csvFile: ws.mergedCsv, rows: fileNames.length, ...saved };
  }

  async function uploadMetadata(ref: RunRef, datasetId: string) {
    const { config } = ref;
    if (!config.metadata) return { entries: 0 };
    const metadata = await readCustomMetadataFile(config.metadata.file);
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
      await writeList(ws.selectionFile, names);
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
