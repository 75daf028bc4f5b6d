import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { readCustomMetadataWithWarnings } from '../../../src/metadata';
import { withInputFile } from '../../shared/input-file';
import { nodeStepIO } from '../../shared/step-io';

/** Loaded on first use, as every node loads its step: the engine behind it stays out of n8n's start-up. */
const loadMetadataStep = () => import('../../../src/pipeline/steps/metadata.js');

/** Validates one item's metadata file and, for Upload, runs the metadata step on it (`uploadMetadataFile`). */
export async function uploadMetadata(ctx: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
  const operation = ctx.getNodeParameter('operation', itemIndex) as 'upload' | 'validate';
  return withInputFile(ctx, itemIndex, 'metadataFile', async (metadataFile, source) => {
    const fileRef = source.fromBinary ? {} : { metadataFile };
    if (operation === 'validate') {
      const { metadata, warnings } = await readCustomMetadataWithWarnings(metadataFile);
      return { valid: true, ...fileRef, images: metadata.images.length, entries: metadata.metadata.length, warnings };
    }
    const datasetId = String(ctx.getNodeParameter('datasetId', itemIndex)).trim();
    const { uploadMetadataFile } = await loadMetadataStep();
    const { skippedEntries, ...result } = await uploadMetadataFile(nodeStepIO(ctx, `metadata ${datasetId}`).io, datasetId, metadataFile);
    return { datasetId, ...fileRef, ...result, ...(result.skipped > 0 ? { skippedEntries: skippedEntries as unknown as IDataObject[] } : {}) };
  });
}
