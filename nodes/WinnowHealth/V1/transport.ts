import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { nodeStepIO } from '../../shared/step-io';

/** Loaded on first use, as every node loads its step: the engine behind it stays out of n8n's start-up. */
const loadHealthStep = () => import('../../../src/pipeline/steps/health.js');

/**
 * The health step on one item's embeddings (and measures), `healthOfFiles`: the report and a copy of the CSV without
 * the duplicates to remove go beside the CSV; the next node (Winnow Select) takes the copy. The item gets paths and counts.
 */
export async function analyseFiles(ctx: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
  const embeddingsCsv = String(ctx.getNodeParameter('embeddingsCsv', itemIndex)).trim();
  const measuresFile = String(ctx.getNodeParameter('measuresFile', itemIndex, '') ?? '').trim();
  const options = ctx.getNodeParameter('options', itemIndex, {}) as IDataObject;
  const datasetId = ctx.getNodeParameter('tagOnPlatform', itemIndex, false) ? String(ctx.getNodeParameter('datasetId', itemIndex)).trim() : undefined;
  const { healthOfFiles } = await loadHealthStep();
  const { report, ...files } = await healthOfFiles(nodeStepIO(ctx, `health ${embeddingsCsv}`).io, {
    embeddingsCsv,
    ...(measuresFile === '' ? {} : { measuresFile }),
    options: {
      keeper: ctx.getNodeParameter('keeper', itemIndex),
      ...(typeof options.nearDuplicateThreshold === 'number' ? { nearDuplicateThreshold: options.nearDuplicateThreshold } : {}),
      ...(typeof options.layoutThreshold === 'number' ? { layoutThreshold: options.layoutThreshold } : {}),
    },
    optionsName: 'Options',
    ...(datasetId === undefined ? {} : { publish: { datasetId, tagPrefix: String(options.tagPrefix ?? '') } }),
  });
  return {
    embeddingsCsv: files.remainingCsv,
    allEmbeddingsCsv: embeddingsCsv,
    reportFile: files.reportFile,
    images: report.samples,
    remaining: files.remaining,
    exactDuplicateGroups: report.exactDuplicates.length,
    nearDuplicateGroups: report.nearDuplicates.length,
    duplicatesRemoved: report.duplicatesToRemove.length,
    outliers: report.outliers.files.length,
    issues: Object.fromEntries(Object.entries(report.issues).map(([type, list]) => [type, list.files.length])),
    ...(datasetId === undefined ? {} : { datasetId, tags: files.tags as unknown as IDataObject[] }),
  };
}
