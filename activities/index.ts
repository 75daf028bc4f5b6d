import { Context } from '@temporalio/activity';
import path from 'node:path';
import { withPlatformTarget } from '../src/pipeline/platform-target';
import { resolveS3Settings, type ResolveProfileOptions } from '../src/pipeline/profiles';
import { defaultWorkRoot, openRunFiles } from '../src/pipeline/run-files';
import type { RunRef } from '../src/pipeline/step-types';
import { checkStep, embedStep, healthStep, metadataStep, predictionsStep, saveStep, selectStep, syncStep, tagStep, type StepContext } from '../src/pipeline/steps';
import { withFailureMapping } from './failures';
import { activitySignal, Heartbeater, resumeCursor } from './heartbeat';
import type { PipelineActivities } from './types';

export type * from './types';

export interface ActivityDeps {
  /** Root of the work folders on this worker; `WINNOW_WORK_DIR` or `.winnow/work`. */
  workRoot?: string;
  /** Credential profiles file; `WINNOW_SECRETS_FILE` when omitted. */
  secretsFile?: string;
  /** Where profiles are read from; `process.env` by default. */
  env?: NodeJS.ProcessEnv;
}

/**
 * The Temporal driver of the pipeline: each activity is one engine step (src/pipeline/steps) given a context made of
 * this activity's heartbeats (progress plus a resume cursor), cancellation and log, and this worker's work root and
 * credentials. Engine errors leave as Temporal failures (bad input → non-retryable, of type = error code); retries,
 * timeouts and the shard window are the workflow's.
 */
export function createActivities(deps: ActivityDeps = {}): PipelineActivities {
  const env = deps.env ?? process.env;
  const workRoot = deps.workRoot ? path.resolve(deps.workRoot) : defaultWorkRoot(env);
  const profiles: ResolveProfileOptions = { env, ...(deps.secretsFile ? { secretsFile: deps.secretsFile } : {}) };

  function stepContext<C>(ref: RunRef): StepContext<C> {
    const activity = Context.current();
    const heartbeat = new Heartbeater<C>(resumeCursor<C>());
    return {
      config: ref.config,
      runKey: ref.runKey,
      files: openRunFiles(ref.config, ref.runKey, { workRoot }),
      usePlatform: (fn) => withPlatformTarget(ref.config, profiles, fn),
      s3Settings: (location) => resolveS3Settings(location, profiles),
      onProgress: heartbeat.onProgress,
      resumeFrom: resumeCursor<C>(),
      checkpoint: (cursor) => heartbeat.checkpoint(cursor),
      beat: () => heartbeat.beat(),
      attempt: activity.info.attempt,
      log: { warn: (message) => activity.log.warn(message), debug: (message, fields) => activity.log.debug(message, fields) },
      signal: activitySignal(),
    };
  }

  return {
    checkPipeline: withFailureMapping(async (ref) => checkStep(stepContext(ref))),
    syncImages: withFailureMapping(async (ref) => syncStep(stepContext<string>(ref))),
    embedImages: withFailureMapping(async (ref, shard) => {
      const result = await embedStep(stepContext<number>(ref), shard);
      if (result.skipped > 0) Context.current().log.warn(`shard ${shard.index}: ${result.skipped} image(s) skipped; reasons in ${result.skippedReport}`);
      return result;
    }),
    saveEmbeddings: withFailureMapping(async (ref, shardCount) => saveStep(stepContext(ref), shardCount)),
    uploadMetadata: withFailureMapping(async (ref, datasetId) => metadataStep(stepContext(ref), datasetId)),
    storePredictions: withFailureMapping(async (ref, datasetId) => predictionsStep(stepContext(ref), datasetId)),
    analyseHealth: withFailureMapping(async (ref, save) => healthStep(stepContext(ref), save)),
    selectSamples: withFailureMapping(async (ref, save, tagName) => selectStep(stepContext(ref), save, tagName)),
    createTag: withFailureMapping(async (ref, datasetId, selection) => tagStep(stepContext(ref), datasetId, selection)),
  };
}
