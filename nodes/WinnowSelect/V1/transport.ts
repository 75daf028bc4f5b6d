import { jsonParse, type IDataObject, type IExecuteFunctions } from 'n8n-workflow';
import { loadEmbeddingMatrix } from '../../../src/embeddings';
import { metadataByFileName, readCustomMetadataFile } from '../../../src/metadata';
import { writeNameListFile } from '../../../src/name-list';
import { findDatapool } from '../../../src/pipeline/datapool';
import { logProgress } from '../../shared/progress-log';
import { withPlatformClient } from '../../shared/platform';

/**
 * Loaded on first use: the selection engine's large-matrix kernel runs on onnxruntime-node, a native part that may be
 * missing on an n8n host where the other nodes must still load.
 */
const loadSelectEngine = () => import('../../../src/select/index.js');

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

/** The datapool (the engine's one definition): file names in every tag whose name starts with the prefix. */
async function datapoolFileNames(ctx: IExecuteFunctions, itemIndex: number): Promise<string[]> {
  if (ctx.getNodeParameter('datapool', itemIndex, 'none') !== 'platformTags') return [];
  const datasetId = String(ctx.getNodeParameter('datasetId', itemIndex)).trim();
  const prefix = String(ctx.getNodeParameter('datapoolTagPrefix', itemIndex)).trim();
  return withPlatformClient(ctx, async (client) => (await findDatapool(client, datasetId, `${prefix}*`)).fileNames);
}

/** Selects from one item's embeddings CSV and writes the picks to the selection file; the item gets counts only. */
export async function selectFromFiles(ctx: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
  const embeddingsCsv = String(ctx.getNodeParameter('embeddingsCsv', itemIndex)).trim();
  const selectionFile = String(ctx.getNodeParameter('selectionFile', itemIndex)).trim();
  const options = ctx.getNodeParameter('options', itemIndex, {}) as IDataObject;
  const metadataFile = String(options.metadataFile ?? '').trim();
  const signal = ctx.getExecutionCancelSignal?.();

  const { parseSelectionConfig, selectSamples } = await loadSelectEngine();
  const config = parseSelectionConfig(selectionConfigOf(ctx, itemIndex), 'Selection Config');
  const preselected = await datapoolFileNames(ctx, itemIndex);
  const embeddings = await loadEmbeddingMatrix(embeddingsCsv, { signal });
  // Earlier picks of images that are no longer in the CSV cannot act as centres.
  const known = new Set(embeddings.fileNames);
  const metadata = metadataFile === '' ? undefined : metadataByFileName(await readCustomMetadataFile(metadataFile));
  const result = await selectSamples({
    embeddings,
    metadata,
    config,
    preselected: preselected.filter((name) => known.has(name)),
    source: embeddingsCsv,
    signal,
    onProgress: logProgress(ctx, `select from ${embeddingsCsv}`),
  });

  await writeNameListFile(selectionFile, result.selected);

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
