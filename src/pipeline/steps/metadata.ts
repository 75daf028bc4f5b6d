import path from 'node:path';
import { NotFoundError } from '../../errors';
import { readCustomMetadataWithWarnings } from '../../metadata';
import type { CustomMetadataUploadResult, PlatformClient } from '../../platform';
import { isS3Uri, openObjectStore, parseS3Uri } from '../../s3';
import { isFolderSource } from '../config';
import type { MetadataResult } from '../step-types';
import type { StepContext, StepIO } from './step-context';

/** Uploads the config's custom metadata (Lightly's COCO-like JSON) to the dataset; nothing when it names none. */
export async function metadataStep(ctx: StepContext<unknown>, datasetId: string): Promise<MetadataResult> {
  const metadataFile = await localMetadataFile(ctx);
  if (!metadataFile) return { entries: 0 };
  // Entries for no sample are warnings in the step's log; the result stays the count (a Temporal payload).
  return { entries: (await uploadMetadataFile(ctx, datasetId, metadataFile)).entries };
}

/** Entries reported by name in the result (the counts are always complete). */
const SKIPPED_REPORTED = 20;

/**
 * The metadata step on a named file: checks it against the dataset's file names (an entry for no sample is a
 * warning, through `io.log`, not an error), then sets each named sample's custom metadata.
 */
export async function uploadMetadataFile(
  io: StepIO,
  datasetId: string,
  file: string,
): Promise<{ entries: number; updated: number; skipped: number; skippedEntries: CustomMetadataUploadResult['skipped']; warnings: string[] }> {
  return io.usePlatform(async ({ client }) => {
    const fileNames = await client.getFilenames(datasetId);
    const { metadata, warnings } = await readCustomMetadataWithWarnings(file, { fileNames });
    for (const warning of warnings) io.log.warn(warning);
    // The reader accepts string ids too (lightly does); the platform's wire type says integer and validates it itself.
    const wire = metadata as Parameters<PlatformClient['uploadCustomMetadata']>[1];
    const result = await client.uploadCustomMetadata(datasetId, wire);
    const { updated, skipped } = result;
    return { entries: metadata.metadata.length, updated, skipped: skipped.length, skippedEntries: skipped.slice(0, SKIPPED_REPORTED), warnings };
  });
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
