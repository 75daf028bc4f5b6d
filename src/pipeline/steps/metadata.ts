import path from 'node:path';
import { NotFoundError } from '../../errors';
import { readCustomMetadataFile } from '../../metadata';
import type { PlatformClient } from '../../platform';
import { isS3Uri, openObjectStore, parseS3Uri } from '../../s3';
import { isFolderSource } from '../config';
import type { MetadataResult } from '../step-types';
import type { StepContext } from './step-context';

/** Uploads the config's custom metadata (Lightly's COCO-like JSON) to the dataset; nothing when it names none. */
export async function metadataStep(ctx: StepContext<unknown>, datasetId: string): Promise<MetadataResult> {
  const metadataFile = await localMetadataFile(ctx);
  if (!metadataFile) return { entries: 0 };
  const metadata = await readCustomMetadataFile(metadataFile);
  // The reader accepts string ids too (lightly does); the platform's wire type says integer and validates it itself.
  const wire = metadata as Parameters<PlatformClient['uploadCustomMetadata']>[1];
  await ctx.usePlatform(({ client }) => client.uploadCustomMetadata(datasetId, wire));
  return { entries: metadata.metadata.length };
}

/** The metadata file as a local path: itself, or a scratch copy of an `s3://` one (staging's credentials, else the source's). */
export async function localMetadataFile(ctx: StepContext<unknown>): Promise<string | undefined> {
  const file = ctx.config.metadata?.file;
  if (file === undefined || !isS3Uri(file)) return file;
  const { bucket, prefix: key } = parseS3Uri(file);
  const { staging, source } = ctx.config;
  const store = openObjectStore(ctx.s3Settings(staging ?? (isFolderSource(source) ? { bucket } : source)), bucket);
  try {
    const local = path.join(ctx.files.runDir, 'metadata.json');
    if (!(await store.getToFile(key, local, ctx.signal))) throw new NotFoundError('metadata file', file);
    return local;
  } finally {
    store.close();
  }
}
