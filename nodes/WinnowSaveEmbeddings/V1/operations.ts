import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { mergeEmbeddingsFiles, validateEmbeddingsFile } from '../../../src/embeddings';
import { splitList } from '../../shared/globs';
import { withInputFile } from '../../shared/input-file';
import { nodeStepIO } from '../../shared/step-io';

/** Loaded on first use, as every node loads its step: the engine behind it stays out of n8n's start-up. */
const loadSaveStep = () => import('../../../src/pipeline/steps/save.js');

/** The save step on one item's CSV: canonical and in file-name order, optionally stored on a dataset. */
async function save(ctx: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
  const outputCsv = String(ctx.getNodeParameter('outputCsv', itemIndex)).trim();
  const { io } = nodeStepIO(ctx, `save ${outputCsv}`);
  const upload = Boolean(ctx.getNodeParameter('uploadToPlatform', itemIndex, false));
  // Stored while the input is still there: a binary input's temp file holds no measures, a path's may have them beside it.
  const { saveEmbeddings, storeEmbeddings } = await loadSaveStep();
  return withInputFile(ctx, itemIndex, 'inputCsv', async (inputCsv) => {
    const saved = await saveEmbeddings(io, { inputs: [inputCsv], outputCsv });
    const output: IDataObject = { embeddingsCsv: outputCsv, rows: saved.rows, dimensions: saved.dim };
    if (!upload) return output;
    const embeddingName = String(ctx.getNodeParameter('embeddingName', itemIndex, 'default')).trim() || 'default';
    const dataset = { name: String(ctx.getNodeParameter('datasetName', itemIndex)).trim() };
    const stored = await storeEmbeddings(io, { csvFile: outputCsv, fileNames: saved.fileNames, measuresOf: [inputCsv], dataset, embeddingName });
    return { ...output, ...stored, embeddingName };
  });
}

async function merge(ctx: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
  const inputs = splitList(ctx.getNodeParameter('inputCsvs', itemIndex));
  const outputCsv = String(ctx.getNodeParameter('outputCsv', itemIndex)).trim();
  const result = await mergeEmbeddingsFiles(inputs, outputCsv, { signal: ctx.getExecutionCancelSignal?.() });
  return { embeddingsCsv: outputCsv, inputs: inputs.length, rows: result.rows, dimensions: result.dim, replaced: result.replaced ?? 0 };
}

async function validate(ctx: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
  return withInputFile(ctx, itemIndex, 'inputCsv', async (inputCsv, source) => {
    const result = await validateEmbeddingsFile(inputCsv, { signal: ctx.getExecutionCancelSignal?.() });
    return { valid: true, ...(source.fromBinary ? {} : { embeddingsCsv: inputCsv }), rows: result.rows, dimensions: result.dim, canonical: result.canonical };
  });
}

export const operations = { save, merge, validate };
