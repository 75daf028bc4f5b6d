import { findOrCreateDataset, type DatasetData, type PlatformClient } from '../../platform';
import type { PipelineConfig } from '../config';
import { createFolderSink, uploadForMode, type ImageInput, type ImageSink, type UploadedSample } from '../../s3';
import type { StepContext } from './step-context';

/**
 * What the platform records of each image (size, dimensions, EXIF; a thumbnail or the image itself stored in the
 * platform's storage in `thumbnails`/`full` mode), read from files on this machine.
 */
export async function describeSamples(images: ImageInput[], ctx: StepContext<unknown>): Promise<UploadedSample[]> {
  return (await describeSamplesReporting(images, ctx)).samples;
}

/** describeSamples plus every image that could not be read or stored, with the reason — never dropped silently. */
export async function describeSamplesReporting(
  images: ImageInput[],
  ctx: StepContext<unknown>,
): Promise<{ samples: UploadedSample[]; notStored: Array<{ file: string; reason: string }> }> {
  const { config } = ctx;
  const upload = async (sink?: ImageSink) => {
    const result = await uploadForMode({ mode: config.upload, source: { images }, sink, onProgress: ctx.onProgress, signal: ctx.signal });
    return { samples: result.samples, notStored: result.failed.map((f) => ({ file: f.key, reason: `not stored: ${f.reason}` })) };
  };
  if (config.upload === 'metadata') return upload();
  return ctx.usePlatform(async ({ client, storageDirFor }) => {
    const storageDir = storageDirFor?.((await datasetOf(client, config)).id);
    return upload(storageDir ? createFolderSink(storageDir) : undefined);
  });
}

/** The run's dataset: the one `datasetId` names, else found or created by name. */
export function datasetOf(client: PlatformClient, config: Pick<PipelineConfig, 'dataset' | 'datasetId'>): Promise<DatasetData> {
  return config.datasetId ? client.getDatasetById(config.datasetId) : findOrCreateDataset(client, config.dataset);
}
