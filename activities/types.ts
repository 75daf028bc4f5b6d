import type { PipelineConfig } from '../src/pipeline/config';
import type { ShardRange } from '../src/pipeline/plan';

/**
 * Inputs and results of the pipeline activities. They are references — workspace file names, ids, counts — never
 * image bytes or embeddings, so every payload stays a few hundred bytes, far below Temporal's 2 MB limit.
 */

/** Every step of one run shares a workspace: a folder (single machine) or an S3 prefix (workers on many hosts). */
export interface RunRef {
  config: PipelineConfig;
  /** Stable across continue-as-new and retries: the workflow id. Names the run's workspace folder. */
  runKey: string;
}

export interface CheckResult {
  /** Number of metadata entries validated, when the config names a metadata file. */
  metadataEntries?: number;
}

export interface SyncResult {
  /** Images in the source after the sync. */
  images: number;
  /** Images this run must embed: all of them, or only the new ones when `incremental`. */
  toEmbed: number;
  /** Objects downloaded by this sync (0 when the local copy was already complete). */
  downloaded: number;
  /** Workspace file listing the images to embed, one name a line, in shard order. */
  listFile: string;
}

/** A shard as a window on the list file: index, offset, count. */
export type ShardRef = ShardRange;

export interface EmbedShardResult {
  index: number;
  /** Workspace file of the shard's CSV. */
  csvFile: string;
  rows: number;
  /** Images embedded by this attempt. */
  embedded: number;
  /** Images found already embedded (rows an earlier, crashed attempt wrote) and not embedded again. */
  resumed: number;
  /** Images the previous attempt reported done in its last heartbeat (0 on a first attempt). */
  heartbeatCursor: number;
  attempt: number;
  /** Images that could not be embedded (corrupt, unsupported, gone from the bucket); the run goes on without them. */
  skipped: number;
  /** Where their names and reasons are (a workspace file or an `s3://` URI in staging), when `skipped` > 0. */
  skippedReport?: string;
}

export interface SaveResult {
  /** The merged embeddings CSV, rows in file-name order (the same bytes `winnow run` writes). */
  csvFile: string;
  rows: number;
  datasetId: string;
  embeddingId: string;
  samplesCreated: number;
}

export interface MetadataResult {
  entries: number;
}

export interface SelectResult {
  /** The tag the selection job created (or found from an earlier attempt). */
  tagId: string;
  n: number;
  jobId?: string;
  /** True when a retried attempt found the tag already made. */
  reused: boolean;
}

export interface TagResult {
  tagId: string;
  name: string;
  count: number;
}

/** The activities a pipeline worker registers; workflows proxy exactly this interface. */
export interface PipelineActivities {
  /** Validates everything that can be checked before hours of work: selection config, metadata file, profiles. */
  checkPipeline(ref: RunRef): Promise<CheckResult>;
  syncImages(ref: RunRef): Promise<SyncResult>;
  embedImages(ref: RunRef, shard: ShardRef): Promise<EmbedShardResult>;
  saveEmbeddings(ref: RunRef, shardCount: number): Promise<SaveResult>;
  uploadMetadata(ref: RunRef, datasetId: string): Promise<MetadataResult>;
  /** Runs the platform's selection job, which stores the ranking and creates the tag `tagName`. */
  selectSamples(ref: RunRef, save: SaveResult, tagName: string): Promise<SelectResult>;
  /** Confirms the tag and counts its samples. */
  createTag(ref: RunRef, datasetId: string, selection: SelectResult): Promise<TagResult>;
}
