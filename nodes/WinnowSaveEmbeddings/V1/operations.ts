import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { mergeEmbeddingsFiles, sortEmbeddingsByFileName, validateEmbeddingsFile } from '../../../src/embeddings';
import { findOrCreateDataset } from '../../../src/platform/client/find';
import { splitList } from '../../shared/globs';
import { withInputFile } from '../../shared/input-file';
import { withPlatformClient } from '../../shared/platform';

async function save(ctx: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
  const outputCsv = String(ctx.getNodeParameter('outputCsv', itemIndex)).trim();
  const signal = ctx.getExecutionCancelSignal?.();
  // File-name order makes the output independent of the order images were embedded in (resumed runs, shards).
  const written = await withInputFile(ctx, itemIndex, 'inputCsv', (inputCsv) => sortEmbeddingsByFileName(inputCsv, outputCsv, { signal }));
  const { fileNames } = written;
  const output: IDataObject = { embeddingsCsv: outputCsv, rows: written.rows, dimensions: written.dim };
  if (!ctx.getNodeParameter('uploadToPlatform', itemIndex, false)) return output;

  const datasetName = String(ctx.getNodeParameter('datasetName', itemIndex)).trim();
  const embeddingName = String(ctx.getNodeParameter('embeddingName', itemIndex, 'default')).trim() || 'default';
  return withPlatformClient(ctx, async (client) => {
    const dataset = await findOrCreateDataset(client, datasetName);
    const created = await client.createSamples(dataset.id, fileNames.map((fileName) => ({ fileName })), { signal });
    const embedding = await client.uploadEmbeddings(dataset.id, outputCsv, embeddingName, { signal });
    return {
      ...output,
      datasetId: dataset.id,
      datasetName: dataset.name,
      samples: created.length,
      samplesCreated: created.filter((sample) => sample.created).length,
      embeddingId: embedding.id,
      embeddingName,
    };
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
