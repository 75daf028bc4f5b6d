import { writeFile } from 'node:fs/promises';
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { loadEmbeddingMatrix } from '../../../src/embeddings';
import { analyseHealth, parseHealthOptions, publishHealth, readMeasuresFile, writeRemainingEmbeddings, type ImageMeasures } from '../../../src/health';
import { withPlatformClient } from '../../shared/platform';

/**
 * Analyses one item's embeddings (and measures): writes the report beside the CSV and a copy of the CSV without the
 * duplicates to remove, which the next node (Winnow Select) takes as its embeddings. The item gets paths and counts.
 */
export async function analyseFiles(ctx: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
  const embeddingsCsv = String(ctx.getNodeParameter('embeddingsCsv', itemIndex)).trim();
  const measuresFile = String(ctx.getNodeParameter('measuresFile', itemIndex, '') ?? '').trim();
  const options = ctx.getNodeParameter('options', itemIndex, {}) as IDataObject;
  const signal = ctx.getExecutionCancelSignal?.();
  const healthOptions = parseHealthOptions(
    {
      keeper: ctx.getNodeParameter('keeper', itemIndex),
      ...(typeof options.nearDuplicateThreshold === 'number' ? { nearDuplicateThreshold: options.nearDuplicateThreshold } : {}),
      ...(typeof options.layoutThreshold === 'number' ? { layoutThreshold: options.layoutThreshold } : {}),
    },
    'Options',
  );
  const embeddings = await loadEmbeddingMatrix(embeddingsCsv, { signal });
  const measures: Map<string, ImageMeasures> = measuresFile === '' ? new Map() : await readMeasuresFile(measuresFile);
  const report = await analyseHealth({ embeddings, measures, options: healthOptions, signal });
  const base = embeddingsCsv.replace(/\.csv$/i, '');
  const reportFile = `${base}.health.json`;
  const remainingCsv = `${base}.remaining.csv`;
  await writeFile(reportFile, JSON.stringify(report));
  const remaining = await writeRemainingEmbeddings(embeddingsCsv, remainingCsv, new Set(report.duplicatesToRemove), signal);
  const output: IDataObject = {
    embeddingsCsv: remainingCsv,
    allEmbeddingsCsv: embeddingsCsv,
    reportFile,
    images: report.samples,
    remaining,
    exactDuplicateGroups: report.exactDuplicates.length,
    nearDuplicateGroups: report.nearDuplicates.length,
    duplicatesRemoved: report.duplicatesToRemove.length,
    outliers: report.outliers.files.length,
    issues: Object.fromEntries(Object.entries(report.issues).map(([type, list]) => [type, list.files.length])),
  };
  if (ctx.getNodeParameter('tagOnPlatform', itemIndex, false)) {
    const datasetId = String(ctx.getNodeParameter('datasetId', itemIndex)).trim();
    const published = await withPlatformClient(ctx, (client) => publishHealth(client, datasetId, report, measures, { tagPrefix: String(options.tagPrefix ?? ''), signal }));
    output.datasetId = datasetId;
    output.tags = published.tags as unknown as IDataObject[];
  }
  return output;
}
