import { writeFile } from 'node:fs/promises';
import { loadEmbeddingMatrix } from '../../embeddings';
import { analyseHealth, publishHealth, readMeasuresFile, writeRemainingEmbeddings, type HealthReport, type ImageMeasures, type PublishResult } from '../../health';
import { parseHealthOptions } from '../../health/health-options';
import type { HealthResult, SaveResult } from '../step-types';
import type { StepContext, StepIO } from './step-context';

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

export interface HealthFilesInput {
  /** A Lightly embeddings CSV on this machine. */
  embeddingsCsv: string;
  /** The embed pass's measures (`<csv>.measures.jsonl`); without them only near duplicates and outliers are found. */
  measuresFile?: string;
  /** As `winnow health` and the config's `health.options` take them; validated here, errors naming `optionsName`. */
  options: Record<string, unknown>;
  optionsName?: string;
  /** Also put the measures into the samples' metadata and make a tag per finding on this dataset. */
  publish?: { datasetId: string; tagPrefix?: string };
}

export interface HealthFilesResult {
  report: HealthReport;
  /** `<csv base>.health.json`: the whole report. */
  reportFile: string;
  /** `<csv base>.remaining.csv`: the embeddings without the duplicates to remove (the select step's input). */
  remainingCsv: string;
  remaining: number;
  tags?: PublishResult['tags'];
}

/**
 * The health step on named files, on this machine (the platform's health job runs the same analysis on a saved
 * embedding): the report and the remaining CSV are written beside the input CSV; with `publish`, the findings become
 * tags on the dataset.
 */
export async function healthOfFiles(io: StepIO, input: HealthFilesInput): Promise<HealthFilesResult> {
  const options = parseHealthOptions(input.options, input.optionsName ?? 'health options');
  const embeddings = await loadEmbeddingMatrix(input.embeddingsCsv, { signal: io.signal });
  const measures: Map<string, ImageMeasures> = input.measuresFile === undefined ? new Map() : await readMeasuresFile(input.measuresFile);
  const report = await analyseHealth({ embeddings, measures, options, onProgress: io.onProgress, signal: io.signal });
  const base = input.embeddingsCsv.replace(/\.csv$/i, '');
  const reportFile = `${base}.health.json`;
  const remainingCsv = `${base}.remaining.csv`;
  await writeFile(reportFile, JSON.stringify(report));
  const remaining = await writeRemainingEmbeddings(input.embeddingsCsv, remainingCsv, new Set(report.duplicatesToRemove), io.signal);
  const publish = input.publish;
  if (publish === undefined) return { report, reportFile, remainingCsv, remaining };
  const published = await io.usePlatform(({ client }) => publishHealth(client, publish.datasetId, report, measures, { tagPrefix: publish.tagPrefix ?? '', signal: io.signal }));
  return { report, reportFile, remainingCsv, remaining, tags: published.tags };
}
