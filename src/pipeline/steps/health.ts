import { parseHealthOptions } from '../../health/health-options';
import type { HealthResult, SaveResult } from '../step-types';
import type { StepContext } from './step-context';

/**
 * Runs the platform's health job over the saved embedding: duplicate groups with keepers, outliers and quality issues,
 * each finding a tag (`duplicates-removed`, `outliers`, `blurry`, …, replaced on a rerun, so a retry is harmless).
 * Only called when the config has `health`.
 */
export async function healthStep(ctx: StepContext<unknown>, save: Pick<SaveResult, 'datasetId' | 'embeddingId'>): Promise<HealthResult> {
  const health = ctx.config.health ?? { selectFromRemaining: true };
  // Bad options fail here, before the job, naming the field (not retryable).
  const options = parseHealthOptions(health.options ?? {}, 'config.health.options');
  return ctx.usePlatform(async ({ client }) => {
    const { jobId } = await client.startHealth(save.datasetId, save.embeddingId, { options: { ...options }, tagPrefix: health.tagPrefix });
    const job = await client.waitForJob(jobId, { onProgress: ctx.onProgress, signal: ctx.signal });
    const report = await client.getHealthReport(save.datasetId, jobId);
    const issues: Record<string, number> = {};
    for (const [type, list] of Object.entries(report.issues)) if (list.files.length > 0) issues[type] = list.files.length;
    ctx.log.debug(`health: ${report.duplicatesToRemove.length} duplicates to remove, ${report.outliers.files.length} outliers`);
    return { jobId, keptTagId: job.result?.data ?? undefined, duplicatesRemoved: report.duplicatesToRemove.length, outliers: report.outliers.files.length, issues };
  });
}
