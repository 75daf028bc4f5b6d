import type { PipelineConfig } from './config';
import type { ShardRange } from './plan';

/**
 * What the pipeline steps take and give: references — file names in the run's files, ids, counts — never image bytes
 * or embeddings, so every Temporal payload and n8n item stays a few hundred bytes.
 */

/** Every step of one run shares its files: a local work folder or an S3 staging prefix (see `RunFiles`). */
export interface RunRef {
  config: PipelineConfig;
  /** Stable across continue-as-new, retries and reruns: the workflow id, or `winnow run`'s run folder name. */
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
  /** Objects downloaded by this sync (0 when the local copy was already complete, or the source is a local folder). */
  downloaded: number;
  /** The run file listing the images to embed, one name a line, in shard order. */
  listFile: string;
}

/** A shard as a window on the list file: index, offset, count. */
export type ShardRef = ShardRange;

export interface EmbedShardResult {
  index: number;
  /** The shard's CSV (a work-folder path or an `s3://` URI in staging). */
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
  /** Where their names and reasons are (a work-folder file or an `s3://` URI in staging), when `skipped` > 0. */
  skippedReport?: string;
}

export interface SaveResult {
  /** The merged embeddings CSV, rows in file-name order (the same bytes whichever driver ran the steps). */
  csvFile: string;
  rows: number;
  datasetId: string;
  embeddingId: string;
  samplesCreated: number;
  /** Images the upload mode could not read or store (missing, unreadable, refused), each with its reason. */
  notStored?: Array<{ file: string; reason: string }>;
}

export interface MetadataResult {
  entries: number;
}

export interface HealthResult {
  /** The platform's health job (its report: GET /v1/datasets/{datasetId}/health/{jobId}). */
  jobId: string;
  /** The `duplicates-removed` tag: every sample but the duplicates that are not their group's keeper. */
  keptTagId?: string;
  duplicatesRemoved: number;
  outliers: number;
  /** Flagged images per quality issue, e.g. `{ blurry: 3, dark: 1 }` (issues with none left out). */
  issues: Record<string, number>;
}

export interface PredictionsResult {
  /** Tasks stored on the dataset: samples with predictions, and the score names computed from them. */
  tasks: Array<{ name: string; stored: number; scores: string[] }>;
  /** Prediction files or images that were not stored (bad file, no such sample); the rest were. */
  problems: number;
  /** The first of them, for the run's summary. */
  problemFiles: string[];
}

export interface SelectResult {
  /** The tag the selection job created (or found from an earlier attempt). */
  tagId: string;
  n: number;
  jobId?: string;
  /** True when a retried attempt found the tag already made. */
  reused: boolean;
  /** Earlier picks the selection kept (the datapool), 0 when the run is not incremental. */
  datapool?: number;
}

export interface TagResult {
  tagId: string;
  name: string;
  count: number;
  /** Where the tag's file names were written, one a line. */
  selectionFile?: string;
}
