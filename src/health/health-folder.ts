import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { embedImages, type EmbedImagesOptions } from '../embed';
import { loadEmbeddingMatrix } from '../embeddings/reader';
import type { ProgressCallback } from '../progress';
import { analyseHealth, type HealthReport } from './analyse';
import { parseHealthOptions, type HealthOptions } from './health-options';
import { HealthIndex, type BatchCheckResult } from './incremental';
import { measuresPathFor, readMeasuresFile } from './measures-file';

export interface HealthFolderOptions {
  inputDir: string;
  /** Keeps `embeddings.csv`, `embeddings.measures.jsonl` and `health.json`; a rerun embeds only new images. */
  workDir: string;
  options?: Partial<HealthOptions>;
  model?: EmbedImagesOptions['model'];
  modelConfig?: EmbedImagesOptions['modelConfig'];
  onProgress?: (stage: 'embed' | 'neighbours', progress: Parameters<ProgressCallback>[0]) => void;
  onWarning?: (message: string) => void;
  signal?: AbortSignal;
  /**
   * A persistent ANN index file (`HealthIndex`): images not yet in it are checked against it (and each other) as a new
   * batch, then added; the index is never rebuilt.
   */
  index?: string;
}

export interface HealthFolderResult {
  report: HealthReport;
  embeddingsCsv: string;
  measuresFile: string;
  reportFile: string;
  embedded: number;
  /** With `index`: the new batch's check against the images indexed before. */
  batch?: BatchCheckResult;
  seconds: number;
}

/**
 * `winnow health DIR`: one embed pass that also measures every image (resumed from `workDir`), then the analysis.
 * Options are validated before any image is read.
 *
 * @example
 * await healthCheckFolder({ inputDir: 'photos/', workDir: 'photos-health/' })
 * // { report: { samples: 1200, nearDuplicates: [...], … }, reportFile: 'photos-health/health.json', embedded: 1200, … }
 */
export async function healthCheckFolder(input: HealthFolderOptions): Promise<HealthFolderResult> {
  const started = Date.now();
  const options = parseHealthOptions(input.options ?? {});
  await mkdir(input.workDir, { recursive: true });
  const embeddingsCsv = path.join(input.workDir, 'embeddings.csv');
  const measuresFile = measuresPathFor(embeddingsCsv);
  const embed = await embedImages({
    inputDir: input.inputDir,
    outCsv: embeddingsCsv,
    measuresOut: measuresFile,
    model: input.model,
    modelConfig: input.modelConfig,
    onProgress: (p) => input.onProgress?.('embed', p),
    onWarning: input.onWarning,
    signal: input.signal,
  });
  const embeddings = await loadEmbeddingMatrix(embeddingsCsv);
  const measures = await readMeasuresFile(measuresFile);
  const report = await analyseHealth({
    embeddings,
    measures,
    unreadable: embed.skipped,
    options,
    onProgress: (p) => input.onProgress?.('neighbours', p),
    signal: input.signal,
  });
  const reportFile = path.join(input.workDir, 'health.json');
  await writeFile(reportFile, JSON.stringify(report, null, 1) + '\n');
  let batch: BatchCheckResult | undefined;
  if (input.index !== undefined) {
    const index = await HealthIndex.open(input.index, embeddings.dim);
    batch = await index.checkAndAdd(embeddings, measures, options);
    await index.save();
  }
  return { report, embeddingsCsv, measuresFile, reportFile, embedded: embed.embedded, ...(batch ? { batch } : {}), seconds: (Date.now() - started) / 1000 };
}
