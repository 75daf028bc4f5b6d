import type { WinnowError } from '../../errors';
import { toLightlyMetaData, type ImageMeasures } from '../../health/measures';
import type { UploadedSample } from '../../s3';
import { ConflictError } from '../errors';
import type { SampleCreateRequest, TagData } from '../schemas';
import type { PlatformClient } from './platform-client';

/**
 * The dataset with this name, created when there is none: every face of a pipeline step (CLI, n8n, Temporal) names
 * its dataset and expects a rerun to find what the first run made.
 *
 * @example await findOrCreateDataset(client, 'farm') // → { id: '6745…', name: 'farm', … }
 */
export async function findOrCreateDataset(client: PlatformClient, name: string) {
  try {
    return await client.getDatasetByName(name);
  } catch (error) {
    if ((error as WinnowError).code !== 'NOT_FOUND') throw error;
    return client.createDataset(name);
  }
}

/** The tag with this name, or undefined: a retried step checks whether an earlier attempt already made it. */
export async function findTag(client: PlatformClient, datasetId: string, name: string) {
  try {
    return await client.getTagByName(datasetId, name);
  } catch (error) {
    if ((error as WinnowError).code === 'NOT_FOUND') return undefined;
    throw error;
  }
}

/** What `tagFileNames` does when the dataset already has a tag of that name. */
export type IfTagExists = 'fail' | 'keep' | 'replace';

/**
 * A tag of these file names: created, or — when the name is taken — the existing tag kept (a rerun is a no-op), replaced
 * (deleted and created again), or a `CONFLICT` error. `created` says which.
 *
 * @example await tagFileNames(client, datasetId, 'to-label', ['b.jpg', 'd.jpg'], { ifExists: 'keep' }) // → { tag: { id: '…', name: 'to-label', … }, created: true }
 */
export async function tagFileNames(
  client: PlatformClient,
  datasetId: string,
  name: string,
  fileNames: string[],
  options: { ifExists: IfTagExists; parentTagId?: string },
): Promise<{ tag: TagData; created: boolean }> {
  const existing = await findTag(client, datasetId, name);
  if (existing && options.ifExists === 'keep') return { tag: existing, created: false };
  if (existing && options.ifExists === 'fail') throw new ConflictError(`a tag named "${name}" already exists in this dataset; choose another name, or keep or replace it`);
  if (existing) await client.deleteTag(datasetId, existing.id);
  return { tag: await client.createTagFromFilenames(datasetId, name, fileNames, options.parentTagId), created: true };
}

/**
 * One sample per file name, with what the upload step learnt of the image (size, dimensions, EXIF, thumbnail); a name
 * without facts (unreadable image, or a sample an earlier run created) gets a bare sample, which the platform keeps
 * as it is when it already exists.
 *
 * @example
 * sampleCreateRequests(['a.jpg'], new Map([['a.jpg', { fileName: 'a.jpg', sizeInBytes: 9, width: 4, height: 3, thumbName: 'a_thumb.webp', exif: {}, … }]]))
 * // → [{ fileName: 'a.jpg', thumbName: 'a_thumb.webp', exif: {}, metaData: { sizeInBytes: 9, width: 4, height: 3 } }]
 */
export function sampleCreateRequests(
  fileNames: readonly string[],
  facts: ReadonlyMap<string, UploadedSample>,
  measures: ReadonlyMap<string, ImageMeasures> = new Map(),
): SampleCreateRequest[] {
  return fileNames.map((fileName) => {
    const info = facts.get(fileName);
    const measured = measures.get(fileName);
    return {
      fileName,
      thumbName: info?.thumbName ?? null,
      exif: (info?.exif ?? {}) as Record<string, unknown>,
      // Health measures in Lightly's metaData shape (what THRESHOLD/WEIGHTS selections and the health job read).
      metaData: {
        ...(measured ? toLightlyMetaData(measured) : {}),
        ...(info ? { sizeInBytes: info.sizeInBytes, width: info.width, height: info.height } : {}),
      },
    };
  });
}
