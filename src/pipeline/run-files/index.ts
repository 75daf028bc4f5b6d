import path from 'node:path';
import type { PipelineConfig } from '../config';
import { openWorkspace, type Workspace } from './work-folder';
import type { RunFiles } from './run-files';
import { S3StagingFiles } from './s3-staging-files';
import { WorkFolderFiles } from './work-folder-files';

export type { DescribeSamples, RunFiles, SaveInputs } from './run-files';
export { defaultWorkRoot, openWorkspace, readList, writeList, type Workspace } from './work-folder';

export interface OpenRunFilesOptions {
  /** Root of the local work folders on this machine (scratch too, under S3 staging). */
  workRoot: string;
  /** Overrides the work folder's image folder: `winnow run` embeds a local input folder where it is. */
  imagesDir?: string;
}

/**
 * The one place that chooses where a run's files live: S3 staging when the config names `staging`, the local work
 * folder otherwise.
 *
 * @example openRunFiles(config, 'winnow-cats-3f9a', { workRoot: '/var/winnow/work' }).kind // → 'work-folder'
 */
export function openRunFiles(config: PipelineConfig, runKey: string, options: OpenRunFilesOptions): RunFiles {
  const workspace: Workspace = openWorkspace(path.resolve(options.workRoot), config, runKey);
  if (options.imagesDir) workspace.imagesDir = path.resolve(options.imagesDir);
  return config.staging ? new S3StagingFiles(config, config.staging, runKey, workspace) : new WorkFolderFiles(config, workspace);
}
