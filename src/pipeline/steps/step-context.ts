import type { PlatformConnection } from '../../platform';
import type { ProgressCallback } from '../../progress';
import type { S3Settings } from '../../s3';
import type { PipelineConfig, S3Location } from '../config';
import type { RunFiles, RunFilesCall } from '../run-files/run-files';

/** Where a step's remarks go: the worker log under Temporal, stderr under `winnow run`, the n8n log in a node. */
export interface StepLog {
  warn(message: string): void;
  debug(message: string, fields?: Record<string, unknown>): void;
}

/**
 * The part of a `StepContext` that is the driver's plumbing, not the run: the platform, progress, remarks and
 * cancellation. The engine functions a step is made of take only this, so an n8n node (nodes/shared/step-io.ts) calls
 * them on the files and dataset its parameters name, with no run config or run folder.
 */
export type StepIO = Pick<StepContext<unknown>, 'usePlatform' | 'onProgress' | 'log' | 'signal'>;

/**
 * What a driver hands every step: the run's config and files, the platform and S3 settings resolved on this machine
 * (never carried in a config or a Temporal payload), and the driver's own progress, resume and cancel plumbing.
 * `Cursor` is the step's durable resume point (a listed key, a count of files embedded); drivers without heartbeats
 * give `resumeFrom: undefined` and ignore checkpoints, and the step resumes from its files instead.
 */
export interface StepContext<Cursor = never> extends RunFilesCall<Cursor> {
  config: PipelineConfig;
  /** Names the run's files; stable across retries and reruns. */
  runKey: string;
  /** Where the run's files live (local work folder or S3 staging), chosen once from the config. */
  files: RunFiles;
  /** The platform for the length of `fn`: opened and closed around it, or a connection the driver keeps open. */
  usePlatform<T>(fn: (platform: PlatformConnection) => Promise<T>): Promise<T>;
  /** S3 settings of a bucket location, with the keys of its credential profile. */
  s3Settings(location: S3Location): S3Settings;
  onProgress: ProgressCallback;
  /** The cursor of the previous attempt's last checkpoint (Temporal heartbeat details). */
  resumeFrom?: Cursor;
  /** Records a durable resume point. */
  checkpoint(cursor: Cursor): void;
  /** Says "still alive" without news, e.g. between two slow uploads. */
  beat(): void;
  /** 1 on a first attempt. */
  attempt: number;
  log: StepLog;
  signal?: AbortSignal;
}

/**
 * A context for code that neither heartbeats nor resumes from a cursor (tests, `winnow run`, n8n nodes): progress to
 * `onProgress`, checkpoints dropped.
 */
export function plainStepContext<C = never>(
  base: Pick<StepContext<C>, 'config' | 'runKey' | 'files' | 'usePlatform' | 's3Settings'> & Partial<Pick<StepContext<C>, 'onProgress' | 'log' | 'signal'>>,
): StepContext<C> {
  return {
    onProgress: () => undefined,
    log: { warn: () => undefined, debug: () => undefined },
    ...base,
    checkpoint: () => undefined,
    beat: () => undefined,
    attempt: 1,
  };
}
