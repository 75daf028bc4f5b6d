import { access, copyFile, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { embedImages, listImageFiles, type EmbedResult } from '../../embed';
import { readEmbeddingRows } from '../../embeddings';
import { NotFoundError, WinnowError } from '../../errors';
import { syncS3ToLocal } from '../../s3';
import { isFolderSource, type PipelineConfig } from '../config';
import { formatSkippedReport } from '../staging';
import type { EmbedShardResult, ShardRef, SyncResult } from '../step-types';
import type { RunFiles, RunFilesCall, SaveInputs } from './run-files';
import { readList, writeList, type Workspace } from './work-folder';

/** A run's files in a local work folder (see `Workspace` for the layout): one machine, or a shared network folder. */
export class WorkFolderFiles implements RunFiles {
  readonly kind = 'work-folder';

  constructor(
    private readonly config: PipelineConfig,
    readonly workspace: Workspace,
  ) {}

  get runDir(): string {
    return this.workspace.runDir;
  }

  get imagesDir(): string {
    const { source } = this.config;
    return isFolderSource(source) ? source.folder : this.workspace.imagesDir;
  }

  async check(): Promise<void> {
    const { source } = this.config;
    if (isFolderSource(source)) {
      await access(source.folder).catch(() => {
        throw new NotFoundError('image folder', source.folder);
      });
    }
    await mkdir(this.workspace.datasetDir, { recursive: true });
  }

  async sync(ctx: RunFilesCall<string>): Promise<SyncResult> {
    const ws = this.workspace;
    const { source } = this.config;
    let downloaded = 0;
    if (!isFolderSource(source)) {
      const result = await syncS3ToLocal({
        source: `s3://${source.bucket}/${source.prefix ?? ''}`,
        targetDir: ws.imagesDir,
        s3: ctx.s3Settings(source),
        imagesOnly: true,
        startAfter: ctx.resumeFrom,
        onCheckpoint: (marker) => ctx.checkpoint(marker),
        onProgress: ctx.onProgress,
        signal: ctx.signal,
      });
      if (result.failed.length > 0) throw syncIncomplete(result.failed);
      downloaded = result.downloaded;
    }
    const images = await listImageFiles(ws.imagesDir);
    // A precomputed CSV leaves nothing to embed; the save step reads it instead of shards.
    let toEmbed = this.config.embeddings ? [] : images;
    if (this.config.incremental && (await isFile(ws.datapoolCsv))) {
      const known = new Set<string>();
      for await (const row of readEmbeddingRows(ws.datapoolCsv)) known.add(row.fileName);
      toEmbed = images.filter((name) => !known.has(name));
    }
    // Shards are windows on this list: rows written for another list (an earlier run in the same folder) are stale.
    const previous = (await isFile(ws.listFile)) ? await readList(ws.listFile) : undefined;
    if (previous !== undefined && (previous.length !== toEmbed.length || previous.some((name, i) => name !== toEmbed[i]))) {
      await rm(ws.shardsDir, { recursive: true, force: true });
      await rm(path.dirname(ws.skippedReport(0)), { recursive: true, force: true });
    }
    await writeList(ws.listFile, toEmbed);
    return { images: images.length, toEmbed: toEmbed.length, downloaded, listFile: ws.listFile };
  }

  async embedShard(ctx: RunFilesCall<number>, shard: ShardRef): Promise<EmbedShardResult> {
    const ws = this.workspace;
    const previous = ctx.resumeFrom ?? 0;
    const files = await readList(ws.listFile, shard.offset, shard.count);
    const csvFile = ws.shardCsv(shard.index);
    await mkdir(ws.shardsDir, { recursive: true });
    // Rows already written by a crashed attempt are kept (resume); the cursor counts them so progress never goes back.
    const durable = await countRows(csvFile);
    const result = await embedImages({
      inputDir: ws.imagesDir,
      outCsv: csvFile,
      files,
      resume: true,
      batchSize: this.config.embed.batchSize,
      ...(this.config.embed.model ? { model: this.config.embed.model } : {}),
      ...(this.config.embed.modelConfig ? { modelConfig: this.config.embed.modelConfig } : {}),
      onBatch: ({ filesDone }) => {
        ctx.checkpoint(durable + filesDone);
        ctx.log.debug('embedded batch', { shard: shard.index, filesDone: durable + filesDone });
      },
      onProgress: ctx.onProgress,
      onWarning: (message) => ctx.log.warn(message),
      signal: ctx.signal,
    });
    let skippedReport: string | undefined;
    if (result.skipped.length > 0) {
      skippedReport = ws.skippedReport(shard.index);
      await mkdir(path.dirname(skippedReport), { recursive: true });
      await writeFile(skippedReport, formatSkippedReport(shard.index, result.skipped));
    }
    return shardResult(shard, result, { csvFile, skippedReport, heartbeatCursor: previous, attempt: ctx.attempt });
  }

  async saveInputs(_ctx: RunFilesCall<unknown>, shardCount: number): Promise<SaveInputs> {
    const ws = this.workspace;
    const inputs = Array.from({ length: shardCount }, (_, i) => ws.shardCsv(i));
    if (this.config.embeddings) inputs.push(path.resolve(this.config.embeddings.file));
    if (this.config.incremental && (await isFile(ws.datapoolCsv))) inputs.unshift(ws.datapoolCsv);
    return { inputs, mergedCsv: ws.mergedCsv, imagesDir: ws.imagesDir };
  }

  async publishSaved(_ctx: RunFilesCall<unknown>, mergedCsv: string): Promise<string> {
    if (this.config.incremental) {
      // The datapool grows only once the platform has the rows, so a failed run is simply embedded again.
      await copyFile(mergedCsv, `${this.workspace.datapoolCsv}.tmp`);
      await rename(`${this.workspace.datapoolCsv}.tmp`, this.workspace.datapoolCsv);
    }
    return mergedCsv;
  }

  async writeSelection(_ctx: RunFilesCall<unknown>, names: readonly string[]): Promise<string> {
    await writeList(this.workspace.selectionFile, names);
    return this.workspace.selectionFile;
  }
}

/** Retryable: the next attempt starts after the sync's marker, which never passes an object that failed. */
export function syncIncomplete(failed: ReadonlyArray<{ key: string; reason: string }>): WinnowError {
  return new WinnowError(`${failed.length} object(s) could not be downloaded, first: ${failed[0].key}: ${failed[0].reason}`, {
    code: 'SYNC_INCOMPLETE',
    retryable: true,
  });
}

/** What a shard step returns: counts and references (its CSV, its report), never rows. */
export function shardResult(
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

export async function isFile(file: string): Promise<boolean> {
  return (await stat(file).catch(() => undefined))?.isFile() ?? false;
}

async function countRows(csv: string): Promise<number> {
  if (!(await isFile(csv))) return 0;
  let rows = 0;
  try {
    for await (const _row of readEmbeddingRows(csv)) rows++;
  } catch {
    // A kill -9 can leave a torn last line; the embed writer repairs it on resume. The count only feeds progress.
  }
  return rows;
}
