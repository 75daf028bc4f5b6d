import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { measuresPathFor } from '../../../src/health/measures-file';
import { nodeStepIO } from '../../shared/step-io';

// Enough skipped files to see the pattern; the full count is in `skipped`.
const SKIPPED_FILES_SHOWN = 20;

/**
 * Loaded on first use, not at import: the embed engine pulls in onnxruntime-node and sharp, native parts that may be
 * missing on an n8n host, and n8n must still load the package's other nodes there.
 */
const loadEmbedEngine = () => import('../../../src/embed/index.js');

/** Embeds one item's image folder into its CSV; the output holds counts and paths, never vectors. */
export async function embedFolder(ctx: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
  const imageFolder = String(ctx.getNodeParameter('imageFolder', itemIndex)).trim();
  const embeddingsCsv = String(ctx.getNodeParameter('embeddingsCsv', itemIndex)).trim();
  const options = ctx.getNodeParameter('options', itemIndex, {}) as IDataObject;
  const { io, warnings } = nodeStepIO(ctx, `embed ${imageFolder}`);
  const { embedImages } = await loadEmbedEngine();
  const modelConfig = String(options.modelConfig ?? '').trim();
  const result = await embedImages({
    inputDir: imageFolder,
    outCsv: embeddingsCsv,
    // Health measures come from the same read and decode, beside the CSV (a Winnow Health node reads them).
    model: String(options.model ?? '').trim() || 'default',
    ...(modelConfig === '' ? {} : { modelConfig }),
    batchSize: typeof options.batchSize === 'number' ? options.batchSize : undefined,
    resume: !options.startOver,
    backend: (options.backend as 'auto' | 'node' | 'wasm' | undefined) ?? 'auto',
    threads: typeof options.threads === 'number' ? options.threads : undefined,
    onProgress: io.onProgress,
    onWarning: io.log.warn,
    signal: io.signal,
  });
  const output: IDataObject = {
    imageFolder,
    embeddingsCsv: result.csvPath,
    measuresFile: measuresPathFor(embeddingsCsv),
    total: result.total,
    embedded: result.embedded,
    alreadyPresent: result.alreadyPresent,
    skipped: result.skipped.length,
    dimensions: result.dim,
    modelId: result.modelId,
    seconds: result.seconds,
  };
  if (result.skipped.length > 0) output.skippedFiles = result.skipped.slice(0, SKIPPED_FILES_SHOWN) as unknown as IDataObject[];
  if (warnings.length > 0) output.warnings = [...warnings];
  return output;
}
