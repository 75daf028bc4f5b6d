import type {
  CheckResult,
  EmbedShardResult,
  HealthResult,
  MetadataResult,
  PredictionsResult,
  RunRef,
  SaveResult,
  SelectResult,
  ShardRef,
  SyncResult,
  TagResult,
} from '../src/pipeline/step-types';

export type * from '../src/pipeline/step-types';

/**
 * The activities a pipeline worker registers; workflows proxy exactly this interface. Each is one engine step of
 * `src/pipeline/steps` (see `activities/index.ts`); the names are part of recorded histories, so they stay.
 */
export interface PipelineActivities {
  /** Validates everything that can be checked before hours of work: selection config, metadata file, profiles. */
  checkPipeline(ref: RunRef): Promise<CheckResult>;
  syncImages(ref: RunRef): Promise<SyncResult>;
  embedImages(ref: RunRef, shard: ShardRef): Promise<EmbedShardResult>;
  saveEmbeddings(ref: RunRef, shardCount: number): Promise<SaveResult>;
  uploadMetadata(ref: RunRef, datasetId: string): Promise<MetadataResult>;
  /** Stores model predictions (and their scores) on the dataset; only when the config has `predictions`. */
  storePredictions(ref: RunRef, datasetId: string): Promise<PredictionsResult>;
  /** Runs the platform's health job (duplicates, outliers, quality issues as tags); only when the config has `health`. */
  analyseHealth(ref: RunRef, save: SaveResult): Promise<HealthResult>;
  /** Runs the platform's selection job, which stores the ranking and creates the tag `tagName`. */
  selectSamples(ref: RunRef, save: SaveResult, tagName: string): Promise<SelectResult>;
  /** Confirms the tag and counts its samples. */
  createTag(ref: RunRef, datasetId: string, selection: SelectResult): Promise<TagResult>;
}
