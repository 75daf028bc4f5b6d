import type { ProgressCallback } from '../../progress';
import type { ImageInput, S3Settings, UploadedSample } from '../../s3';
import type { S3Location } from '../config';
import type { EmbedShardResult, ShardRef, SyncResult } from '../step-types';

/** The platform's facts of images on this machine (size, dimensions, EXIF; the thumbnail stored where it belongs). */
export type DescribeSamples = (images: ImageInput[]) => Promise<UploadedSample[]>;

/**
 * What a port call may use of the step that makes it: the step's S3 settings, progress, resume cursor, log and
 * cancellation. A `StepContext` is one (it extends this), so the steps pass their context as it is.
 */
export interface RunFilesCall<Cursor = never> {
  s3Settings(location: S3Location): S3Settings;
  onProgress: ProgressCallback;
  resumeFrom?: Cursor;
  checkpoint(cursor: Cursor): void;
  attempt: number;
  log: { warn(message: string): void; debug(message: string, fields?: Record<string, unknown>): void };
  signal?: AbortSignal;
}

/** What the save step merges on this machine. */
export interface SaveInputs {
  /** CSVs to merge, in order: the datapool of an incremental run first, then the shards. */
  inputs: string[];
  /** Where the merged, sorted CSV goes on this machine. */
  mergedCsv: string;
  /** Folder holding the images, when the sample facts are still to be read from them. */
  imagesDir: string;
  /** Sample facts the shards recorded where they had the images (S3 staging); read from `imagesDir` otherwise. */
  facts?: ReadonlyMap<string, UploadedSample>;
}

/**
 * Where one run's files live, and so how the steps that move files work: the port has two implementations, a local
 * work folder (one machine, or workers sharing a network folder) and an S3 staging prefix (workers that share no disk),
 * chosen once from the config by `openRunFiles`. The steps call only this; none asks which one it has.
 */
export interface RunFiles {
  readonly kind: 'work-folder' | 's3-staging';
  /** This run's folder on this machine: its files (work folder) or scratch copies (S3 staging). */
  readonly runDir: string;
  /** The source's images on this machine after sync (work folder); undefined under S3 staging, which keeps them in S3. */
  readonly imagesDir?: string;
  /** Proves the place is reachable and writable before hours of work (a listed key in staging). */
  check(ctx: RunFilesCall<unknown>): Promise<void>;
  /** The sync step: makes the source's images reachable for the shards and lists those this run embeds. */
  sync(ctx: RunFilesCall<string>): Promise<SyncResult>;
  /** The embed step of one shard; rows a crashed attempt wrote are kept. */
  embedShard(ctx: RunFilesCall<number>, shard: ShardRef, describeSamples: DescribeSamples): Promise<EmbedShardResult>;
  /** The save step's inputs on this machine. */
  saveInputs(ctx: RunFilesCall<unknown>, shardCount: number): Promise<SaveInputs>;
  /**
   * After the platform has the merged rows: grows the datapool of an incremental run and publishes the merged CSV.
   * Returns the reference later steps and the result name it by.
   */
  publishSaved(ctx: RunFilesCall<unknown>, mergedCsv: string, fileNames: readonly string[]): Promise<string>;
  /** Writes the selected file names, one a line; returns where. */
  writeSelection(ctx: RunFilesCall<unknown>, names: readonly string[]): Promise<string>;
}
