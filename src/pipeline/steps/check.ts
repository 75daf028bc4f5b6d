import { InvalidConfigError } from '../../errors';
import { readCustomMetadataFile } from '../../metadata';
import { parseSelectionConfig } from '../../select/selection-config';
import type { PipelineConfig } from '../config';
import type { CheckResult } from '../step-types';
import { localMetadataFile } from './metadata';
import type { StepContext } from './step-context';

/** The step before hours of work: selection config, upload mode, run files, platform and metadata file, all checked. */
export async function checkStep(ctx: StepContext<unknown>): Promise<CheckResult> {
  const { config } = ctx;
  // n is computed from `select` once the embeddings are counted; any n makes the rest of the config checkable now.
  parseSelectionConfig({ ...config.selection, n: 1 }, 'pipeline config "selection"');
  checkUploadMode(config, await ctx.usePlatform(async (platform) => platform.storageDirFor !== undefined));
  await ctx.files.check(ctx);
  const metadataFile = await localMetadataFile(ctx);
  if (!metadataFile) return {};
  const metadata = await readCustomMetadataFile(metadataFile);
  return { metadataEntries: metadata.metadata.length };
}

/**
 * `full` and `thumbnails` store image files in the platform's storage folder, which only the embedded platform has;
 * a remote platform takes `metadata` only.
 */
export function checkUploadMode(config: Pick<PipelineConfig, 'upload'>, platformHasStorage: boolean): void {
  if (config.upload !== 'metadata' && !platformHasStorage) {
    throw new InvalidConfigError(
      `upload mode ${config.upload} needs the embedded platform ("platform": { "home": … }, or winnow run without --platform-url); use upload "metadata" with a remote platform`,
    );
  }
}
