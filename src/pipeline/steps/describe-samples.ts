import { findOrCreateDataset, type DatasetData, type PlatformClient } from '../../platform';
import type { PipelineConfig } from '../config';
import { createFolderSink, uploadForMode, type ImageInput, type ImageSink, type UploadedSample } from '../../s3';
import type { StepContext } from './step-context';

/**
 * What the platform records of each image (size, dimensions, EXIF; a thumbnail or the image itself stored in the
 * platform's storage in `thumbnails`/`full` mode), read from files on this machine.
 */
export async function describeSamples(images: ImageInput[], ctx: StepContext<unknown>): Promise<UploadedSample[]> {
  const { config } = ctx;
  const upload = (sink?: ImageSink) => uploadForMode({ mode: config.upload, source: { images }, sink, onProgress: ctx.onProgress, signal: ctx.signal });
  if (config.upload === 'metadata') return (await upload()).samples;
  return ctx.usePlatform(async ({ client, storageDirFor }) => {
    const storageDir = storageDirFor?.((await datasetOf(client, config)).id);
    return (await upload(storageDir ? createFolderSink(storageDir) : undefined)).samples;
  });
}

/** The run's dataset: the one `datasetId` names, else found or created by name. */
export function datasetOf(client: PlatformClient, config: Pick<PipelineConfig, 'dataset' | 'datasetId'>): Promise<DatasetData> {
  return config.datasetId ? client.getDatasetById(config.datasetId) : findOrCreateDataset(client, config.dataset);
}
