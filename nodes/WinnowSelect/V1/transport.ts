import { jsonParse, type IDataObject, type IExecuteFunctions } from 'n8n-workflow';
import { nodeStepIO } from '../../shared/step-io';

/**
 * Loaded on first use: the selection engine's large-matrix kernel runs on onnxruntime-node, a native part that may be
 * missing on an n8n host where the other nodes must still load.
 */
const loadSelectStep = () => import('../../../src/pipeline/steps/select.js');

function selectionConfigOf(ctx: IExecuteFunctions, itemIndex: number): Record<string, unknown> {
  const strategy = ctx.getNodeParameter('strategy', itemIndex) as string;
  const options = ctx.getNodeParameter('options', itemIndex, {}) as IDataObject;
  let config: Record<string, unknown>;
  if (strategy === 'custom') {
    const raw = ctx.getNodeParameter('selectionConfig', itemIndex);
    config = (typeof raw === 'string' ? jsonParse(raw, { errorMessage: 'Selection Config is not valid JSON' }) : raw) as Record<string, unknown>;
  } else {
    config = { strategy, n: ctx.getNodeParameter('numberOfSamples', itemIndex) };
    if (['weights', 'coral', 'balance'].includes(strategy)) config.key = String(ctx.getNodeParameter('metadataKey', itemIndex)).trim();
  }
  if (typeof options.seed === 'number') config.seed = options.seed;
  if (typeof options.minDistance === 'number' && options.minDistance > 0) config.minDistance = options.minDistance;
  return config;
}

/** Selects from one item's embeddings CSV with the select step (`selectFiles`); the item gets counts and the file's path. */
export async function selectFromFiles(ctx: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
  const embeddingsCsv = String(ctx.getNodeParameter('embeddingsCsv', itemIndex)).trim();
  const selectionFile = String(ctx.getNodeParameter('selectionFile', itemIndex)).trim();
  const options = ctx.getNodeParameter('options', itemIndex, {}) as IDataObject;
  const metadataFile = String(options.metadataFile ?? '').trim();
  // The datapool: every tag whose name starts with the prefix (the pipeline's `datapool.tags` template `<prefix>*`).
  const datapool =
    ctx.getNodeParameter('datapool', itemIndex, 'none') === 'platformTags'
      ? { datasetId: String(ctx.getNodeParameter('datasetId', itemIndex)).trim(), tags: `${String(ctx.getNodeParameter('datapoolTagPrefix', itemIndex)).trim()}*` }
      : undefined;
  const { selectFiles } = await loadSelectStep();
  const result = await selectFiles(nodeStepIO(ctx, `select from ${embeddingsCsv}`).io, {
    embeddingsCsv,
    ...(metadataFile === '' ? {} : { metadataFile }),
    selection: selectionConfigOf(ctx, itemIndex),
    configName: 'Selection Config',
    ...(datapool ? { datapool } : {}),
    selectionFile,
  });
  const output: IDataObject = {
    embeddingsCsv,
    selectionFile,
    selected: result.selected.length,
    stoppedBy: result.stoppedBy,
    candidates: result.stats.candidates,
    datapool: result.stats.preselected,
    seconds: result.stats.seconds,
  };
  if (result.coveringRadius !== undefined) output.coveringRadius = result.coveringRadius;
  if (metadataFile !== '') output.metadataFile = metadataFile;
  if (options.includeFileNames) output.fileNames = result.selected;
  return output;
}
