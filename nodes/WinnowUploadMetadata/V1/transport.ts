import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { readCustomMetadataWithWarnings } from '../../../src/metadata';
import type { PlatformClient } from '../../../src/platform/client/platform-client';
import { withInputFile } from '../../shared/input-file';
import { withPlatformClient } from '../../shared/platform';

// Enough skipped entries to see the pattern; the full count is in `skipped`.
const SKIPPED_SHOWN = 20;

/** Validates one item's metadata file and, for Upload, attaches it to the dataset's samples. */
export async function uploadMetadata(ctx: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
  const operation = ctx.getNodeParameter('operation', itemIndex) as 'upload' | 'validate';
  return withInputFile(ctx, itemIndex, 'metadataFile', async (metadataFile, source) => {
    const fileRef = source.fromBinary ? {} : { metadataFile };
    if (operation === 'validate') {
      const { metadata, warnings } = await readCustomMetadataWithWarnings(metadataFile);
      return { valid: true, ...fileRef, images: metadata.images.length, entries: metadata.metadata.length, warnings };
    }
    const datasetId = String(ctx.getNodeParameter('datasetId', itemIndex)).trim();
    return withPlatformClient(ctx, async (client) => {
      // Checking against the dataset's file names turns "no such sample" into a warning here, before the upload.
      const fileNames = await client.getFilenames(datasetId);
      const { metadata, warnings } = await readCustomMetadataWithWarnings(metadataFile, { fileNames });
      // The metadata reader also accepts string ids; the platform checks the wire shape itself.
      const result = await client.uploadCustomMetadata(datasetId, metadata as Parameters<PlatformClient['uploadCustomMetadata']>[1]);
      const output: IDataObject = {
        datasetId,
        ...fileRef,
        entries: metadata.metadata.length,
        updated: result.updated,
        skipped: result.skipped.length,
        warnings,
      };
      if (result.skipped.length > 0) output.skippedEntries = result.skipped.slice(0, SKIPPED_SHOWN) as unknown as IDataObject[];
      return output;
    });
  });
}
