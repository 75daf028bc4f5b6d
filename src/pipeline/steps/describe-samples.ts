import { findOrCreateDataset } from '../../platform';
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
    const storageDir = storageDirFor?.((await findOrCreateDataset(client, config.dataset)).id);
    return (await upload(storageDir ? createFolderSink(storageDir) : undefined)).samples;
  });
}
