import { checkStep } from './check';
import { embedStep } from './embed';
import { healthStep } from './health';
import { metadataStep } from './metadata';
import { predictionsStep } from './predictions';
import { saveStep } from './save';
import { selectStep } from './select';
import { syncStep } from './sync';
import { tagStep } from './tag';

export { checkStep, checkUploadMode } from './check';
export { describeSamples } from './describe-samples';
export { embedStep } from './embed';
export { healthOfFiles, healthStep, type HealthFilesInput, type HealthFilesResult } from './health';
export { localMetadataFile, metadataStep, uploadMetadataFile } from './metadata';
export { predictFolder, predictionsStep, storePredictions, type PredictFolderInput, type StorePredictionsInput } from './predictions';
export { saveEmbeddings, saveStep, storeEmbeddings, type StoreEmbeddingsInput } from './save';
export { selectFiles, selectStep, type SelectFilesInput } from './select';
export { selectionSize } from '../plan';
export { syncStep } from './sync';
export { tagFiles, tagStep, type TagFilesInput } from './tag';
export { plainStepContext, type StepContext, type StepIO, type StepLog } from './step-context';

/**
 * The steps on named files (`saveEmbeddings`, `uploadMetadataFile`, `predictFolder`, `selectFiles`, `tagFiles`, …) take
 * a `StepIO` instead of a run's context: the n8n step nodes call them, and so do the run's steps where they share them.
 *
 * The pipeline's steps, in order: each is one engine function from typed references to typed references, taking a
 * `StepContext`. The drivers — `winnow run` (src/run), the Temporal activities (activities/) and the n8n Pipeline node
 * — call these and nothing else; a new step is added here once (see docs/pipeline-steps.md).
 * `long` steps report progress and may run for hours (Temporal heartbeats them); `quick` ones take seconds.
 */
export const PIPELINE_STEPS = {
  check: { run: checkStep, kind: 'quick' },
  sync: { run: syncStep, kind: 'long' },
  embed: { run: embedStep, kind: 'long' },
  save: { run: saveStep, kind: 'long' },
  metadata: { run: metadataStep, kind: 'quick' },
  predictions: { run: predictionsStep, kind: 'long' },
  health: { run: healthStep, kind: 'long' },
  select: { run: selectStep, kind: 'long' },
  tag: { run: tagStep, kind: 'quick' },
} as const;

export type PipelineStepName = keyof typeof PIPELINE_STEPS;
