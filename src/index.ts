/**
 * The engine's public entry (`require('n8n-nodes-winnow')`): every step of the curation pipeline as a function, the
 * pipeline config and its drivers' shared steps, the platform client and server, and the named errors. The n8n nodes,
 * Temporal activities and the `winnow` CLI are thin faces over these.
 */
export * from './errors';
export type { Progress, ProgressCallback } from './progress';
export * from './embed';
export * from './embeddings';
export * from './metadata';
export * from './select';
export * from './s3';
export * from './tags';
export * from './platform';
export * from './pipeline/config';
export * from './pipeline/plan';
export * from './pipeline/profiles';
export * from './pipeline/datapool';
export * from './pipeline/run-files';
export * from './pipeline/steps';
export type {
  CheckResult,
  EmbedShardResult,
  MetadataResult,
  RunRef,
  SaveResult,
  SelectResult,
  ShardRef,
  SyncResult as SyncStepResult,
  TagResult,
} from './pipeline/step-types';
// Names two modules share: the Lightly file shape of custom metadata, the pipeline config's bucket location.
export type { CustomMetadata } from './metadata';
export type { S3Location } from './pipeline/config';
export { pipelineWorkflowId } from './pipeline/workflow-id';
export { runPipeline, runFolderName, type RunEvent, type RunPipelineOptions, type RunSummary } from './run/run-pipeline';
export { runConfig, type RunFlags } from './run/run-config';
