import path from 'node:path';
import { InvalidConfigError } from '../../errors';
import { isFolderSource, type PipelineConfig } from '../config';
import { openWorkspace, type Workspace } from './work-folder';
import type { RunFiles } from './run-files';
import { S3StagingFiles } from './s3-staging-files';
import { WorkFolderFiles } from './work-folder-files';

export type { DescribeSamples, RunFiles, SaveInputs } from './run-files';
export { defaultWorkRoot, openWorkspace, readList, writeList, type Workspace } from './work-folder';

export interface OpenRunFilesOptions {
  /** Root of the local work folders on this machine (scratch too, under S3 staging). */
  workRoot: string;
}

/**
 * The one place that chooses where a run's files live: S3 staging when the config names `staging`, the local work
 * folder otherwise.
 *
 * @example openRunFiles(config, 'winnow-cats-3f9a', { workRoot: '/var/winnow/work' }).kind // → 'work-folder'
 */
export function openRunFiles(config: PipelineConfig, runKey: string, options: OpenRunFilesOptions): RunFiles {
  const workspace: Workspace = openWorkspace(path.resolve(options.workRoot), config, runKey);
  if (isFolderSource(config.source)) workspace.imagesDir = path.resolve(config.source.folder);
  if (!config.staging) return new WorkFolderFiles(config, workspace);
  if (isFolderSource(config.source) || config.embeddings) {
    throw new InvalidConfigError('"staging" is for workers without a shared disk: it needs an S3 "source" to embed from, not a local folder or a precomputed CSV');
  }
  return new S3StagingFiles(config, config.source, config.staging, runKey, workspace);
}
