import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { IExecuteFunctions } from 'n8n-workflow';

// Streams binary data in chunks of this size when it lives in n8n's binary store, so a big CSV never sits in memory.
const STREAM_CHUNK_SIZE = 1024 * 1024;

/** A temporary copy of an input item's binary data as a file, and how to remove it. */
export interface TempFile {
  filePath: string;
  remove(): Promise<void>;
}

/**
 * Writes an item's binary property (e.g. a metadata JSON or an embeddings CSV from a previous node) to a temp file,
 * because the engine reads files by path.
 */
export async function binaryToTempFile(ctx: IExecuteFunctions, itemIndex: number, propertyName: string): Promise<TempFile> {
  const binary = ctx.helpers.assertBinaryData(itemIndex, propertyName);
  const dir = await mkdtemp(path.join(tmpdir(), 'winnow-n8n-'));
  const fileName = path.basename(binary.fileName ?? `${propertyName}.bin`);
  const filePath = path.join(dir, fileName);
  if (binary.id) {
    const stream = await ctx.helpers.getBinaryStream(binary.id, STREAM_CHUNK_SIZE);
    await pipeline(stream, createWriteStream(filePath));
  } else {
    await writeFile(filePath, await ctx.helpers.getBinaryDataBuffer(itemIndex, propertyName));
  }
  return { filePath, remove: () => rm(dir, { recursive: true, force: true }) };
}
