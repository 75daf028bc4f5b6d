import { rm } from 'node:fs/promises';
import path from 'node:path';
import { openObjectStore, type ObjectStore } from '../../s3';
import type { PipelineConfig, S3Location } from '../config';
import { embedStagedShard, pullStagedShards, RunStaging, stageImageList } from '../staging';
import type { EmbedShardResult, ShardRef, SyncResult } from '../step-types';
import type { DescribeSamples, RunFiles, RunFilesCall, SaveInputs } from './run-files';
import type { Workspace } from './work-folder';
import { isFile, shardResult } from './work-folder-files';

/**
 * A run's files under an S3 staging prefix (see `RunStaging` for the layout), for workers that share no disk: each
 * shard fetches its own images from the source, and any worker can take any step. The local work folder holds only
 * scratch copies.
 */
export class S3StagingFiles implements RunFiles {
  readonly kind = 's3-staging';

  constructor(
    private readonly config: PipelineConfig,
    /** The bucket the images are in (staging needs one: shards on other machines fetch from it). */
    private readonly source: S3Location,
    private readonly staging: S3Location,
    private readonly runKey: string,
    /** Scratch on this machine. */
    private readonly scratch: Workspace,
  ) {}

  get runDir(): string {
    return this.scratch.runDir;
  }

  /** Opens the source bucket and the staging area for the length of one step, and closes both when `fn` settles. */
  private async withBuckets<T>(ctx: RunFilesCall<unknown>, fn: (buckets: { source: ObjectStore; staging: RunStaging }) => Promise<T>): Promise<T> {
    const { source } = this;
    const sourceStore = openObjectStore(ctx.s3Settings(source), source.bucket);
    const stagingStore = openObjectStore(ctx.s3Settings(this.staging), this.staging.bucket);
    try {
      return await fn({ source: sourceStore, staging: new RunStaging(stagingStore, this.staging.prefix ?? '', this.config.dataset, this.runKey) });
    } finally {
      sourceStore.close();
      stagingStore.close();
    }
  }

  async check(ctx: RunFilesCall<unknown>): Promise<void> {
    // One listed key proves the staging bucket exists and the profile may read it, before hours of embedding.
    await this.withBuckets(ctx, async ({ staging }) => staging.store.list(staging.datasetKey).next());
  }

  /** The sync step without a shared disk: list the source into per-shard lists in staging; shards fetch their images. */
  async sync(ctx: RunFilesCall<string>): Promise<SyncResult> {
    return this.withBuckets(ctx, async ({ source, staging }) => {
      // The datapool's names, not its CSV: the sync of a nightly run must not download gigabytes of embeddings.
      const known = new Set(this.config.incremental ? await staging.getListIfAny(staging.datapoolNamesKey, ctx.signal) : []);
      const listed = await stageImageList({
        source,
        prefix: this.source.prefix,
        staging,
        shardSize: this.config.embed.shardSize,
        known,
        onProgress: ctx.onProgress,
        signal: ctx.signal,
      });
      return { images: listed.images, toEmbed: listed.toEmbed, downloaded: 0, listFile: staging.uri(staging.shardListKey(0)) };
    });
  }

  /** One shard without a shared disk: the engine's staged shard, checkpointing the files that have a row in staging. */
  async embedShard(ctx: RunFilesCall<number>, shard: ShardRef, describeSamples: DescribeSamples): Promise<EmbedShardResult> {
    const previous = ctx.resumeFrom ?? 0;
    return this.withBuckets(ctx, async ({ source, staging }) => {
      const staged = await embedStagedShard({
        staging,
        source,
        sourcePrefix: this.source.prefix,
        shard,
        scratchDir: path.join(this.scratch.runDir, 'scratch'),
        embed: { batchSize: this.config.embed.batchSize, ...(this.config.embed.model ? { model: this.config.embed.model } : {}) },
        describeSamples,
        onCheckpoint: (filesDone) => {
          ctx.checkpoint(filesDone);
          ctx.log.debug('embedded batch', { shard: shard.index, filesDone });
        },
        onProgress: ctx.onProgress,
        onWarning: (message) => ctx.log.warn(message),
        signal: ctx.signal,
      });
      return shardResult(shard, staged.embed, { csvFile: staged.csvUri, skippedReport: staged.skippedReport, heartbeatCursor: previous, attempt: ctx.attempt });
    });
  }

  async saveInputs(ctx: RunFilesCall<unknown>, shardCount: number): Promise<SaveInputs> {
    const ws = this.scratch;
    const facts = await this.withBuckets(ctx, ({ staging }) =>
      pullStagedShards({ staging, shardCount, shardCsv: ws.shardCsv, ...(this.config.incremental ? { datapoolCsv: ws.datapoolCsv } : {}), signal: ctx.signal }),
    );
    const inputs = Array.from({ length: shardCount }, (_, i) => ws.shardCsv(i));
    if (this.config.incremental && (await isFile(ws.datapoolCsv))) inputs.unshift(ws.datapoolCsv);
    return { inputs, mergedCsv: ws.mergedCsv, imagesDir: ws.imagesDir, facts };
  }

  async publishSaved(ctx: RunFilesCall<unknown>, mergedCsv: string, fileNames: readonly string[]): Promise<string> {
    return this.withBuckets(ctx, async ({ staging }) => {
      await staging.push(staging.mergedKey, mergedCsv, ctx.signal);
      if (this.config.incremental) {
        // CSV first, names second: a sync that sees the names finds every row they name in the CSV.
        await staging.push(staging.datapoolKey, mergedCsv, ctx.signal);
        await staging.putList(staging.datapoolNamesKey, fileNames, ctx.signal);
      }
      // Scratch only: the shards and the merged CSV live in staging now, where the next step reads them.
      await rm(this.scratch.runDir, { recursive: true, force: true });
      await rm(this.scratch.datapoolCsv, { force: true });
      return staging.uri(staging.mergedKey);
    });
  }

  async writeSelection(ctx: RunFilesCall<unknown>, names: readonly string[]): Promise<string> {
    return this.withBuckets(ctx, async ({ staging }) => {
      await staging.putList(staging.selectionKey, names, ctx.signal);
      return staging.uri(staging.selectionKey);
    });
  }
}

